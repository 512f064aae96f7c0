<?php
// This file is part of lmsbridge's tests (GPLv3 or later), not of the plugin.
//
// Test setup on a Moodle the tests may change (run from the machine that hosts it, as the web server's user):
// a user who is an editing teacher of one course only (Moodle's standard editingteacher role, in that course's
// context), allowed the REST protocol (a system role holding only webservice/rest:use, which no standard role
// gives), and a permanent token for that user in the given external service. What an audit with "a grader of
// one course" holds. Idempotent; prints {"userid": .., "token": ".."} as JSON.
//
// Usage: php teacher_token.php MOODLE_DIR SERVICE_SHORTNAME USERNAME COURSEID

define('CLI_SCRIPT', true);

[, $moodledir, $serviceshortname, $username, $courseid] = array_pad($argv, 5, null);
if (!$courseid) {
    fwrite(STDERR, "usage: php teacher_token.php MOODLE_DIR SERVICE USERNAME COURSEID\n");
    exit(2);
}
require($moodledir . '/config.php');
require_once($CFG->dirroot . '/user/lib.php');
require_once(__DIR__ . '/ws_token.php');
require_once($CFG->libdir . '/enrollib.php');

\core\session\manager::set_user(get_admin());
$system = context_system::instance();

$user = $DB->get_record('user', ['username' => $username, 'deleted' => 0]);
if (!$user) {
    $userid = user_create_user(['username' => $username, 'password' => 'Test-pass-1' . random_string(12),
        'firstname' => 'Teacher', 'lastname' => $username, 'email' => $username . '@example.invalid',
        'auth' => 'manual', 'confirmed' => 1, 'mnethostid' => $CFG->mnet_localhost_id]);
    $user = $DB->get_record('user', ['id' => $userid], '*', MUST_EXIST);
}

$wsrole = $DB->get_field('role', 'id', ['shortname' => 'lmsbridgerestuse']);
if (!$wsrole) {
    $wsrole = create_role('lmsbridgerestuse', 'lmsbridgerestuse', 'lmsbridge test: REST protocol only');
    set_role_contextlevels($wsrole, [CONTEXT_SYSTEM]);
}
assign_capability('webservice/rest:use', CAP_ALLOW, $wsrole, $system->id, true);
role_assign($wsrole, $user->id, $system->id);

$course = $DB->get_record('course', ['id' => (int)$courseid], '*', MUST_EXIST);
$teacher = $DB->get_field('role', 'id', ['shortname' => 'editingteacher'], MUST_EXIST);
$manual = enrol_get_plugin('manual');
$instance = $DB->get_record('enrol', ['courseid' => $course->id, 'enrol' => 'manual'], '*', MUST_EXIST);
$manual->enrol_user($instance, $user->id, $teacher);

$token = lmsbridge_test_token($serviceshortname, $user);
echo json_encode(['userid' => (int)$user->id, 'token' => $token]), "\n";
