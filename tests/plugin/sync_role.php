<?php
// This file is part of lmsbridge's tests (GPLv3 or later), not of the plugin.
//
// Test setup on a Moodle the tests may change (run from the machine that hosts it, as the web server's user):
// a role with exactly the capabilities given (system context), a user holding it, and a permanent token for
// that user in the given external service. Idempotent; prints {"userid": .., "token": ".."} as JSON.
//
// Usage: php sync_role.php MOODLE_DIR SERVICE_SHORTNAME ROLE_SHORTNAME USERNAME capability [capability ...]

define('CLI_SCRIPT', true);

[, $moodledir, $serviceshortname, $roleshortname, $username] = array_pad($argv, 5, null);
$capabilities = array_slice($argv, 5);
if (!$username) {
    fwrite(STDERR, "usage: php sync_role.php MOODLE_DIR SERVICE ROLE USERNAME capability...\n");
    exit(2);
}
require($moodledir . '/config.php');
require_once($CFG->dirroot . '/user/lib.php');
require_once(__DIR__ . '/ws_token.php');

\core\session\manager::set_user(get_admin());
$system = context_system::instance();

$roleid = $DB->get_field('role', 'id', ['shortname' => $roleshortname]);
if (!$roleid) {
    $roleid = create_role($roleshortname, $roleshortname, 'lmsbridge test role');
    set_role_contextlevels($roleid, [CONTEXT_SYSTEM]);
}
// Exactly the capabilities asked for: drop any others left from an earlier run.
foreach ($DB->get_records('role_capabilities', ['roleid' => $roleid, 'contextid' => $system->id]) as $rc) {
    if (!in_array($rc->capability, $capabilities)) {
        unassign_capability($rc->capability, $roleid, $system->id);
    }
}
foreach ($capabilities as $capability) {
    assign_capability($capability, CAP_ALLOW, $roleid, $system->id, true);
}
// As the README asks of the administrator: the role may assign the Student role (enrolments need it).
$student = $DB->get_field('role', 'id', ['shortname' => 'student'], MUST_EXIST);
if (!$DB->record_exists('role_allow_assign', ['roleid' => $roleid, 'allowassign' => $student])) {
    core_role_set_assign_allowed($roleid, $student);
}

$user = $DB->get_record('user', ['username' => $username, 'deleted' => 0]);
if (!$user) {
    $userid = user_create_user(['username' => $username, 'password' => 'Test-pass-1' . random_string(12),
        'firstname' => 'lmsbridge', 'lastname' => $username, 'email' => $username . '@example.invalid',
        'auth' => 'manual', 'confirmed' => 1, 'mnethostid' => $CFG->mnet_localhost_id]);
    $user = $DB->get_record('user', ['id' => $userid], '*', MUST_EXIST);
}
role_assign($roleid, $user->id, $system->id);

$token = lmsbridge_test_token($serviceshortname, $user);
echo json_encode(['userid' => (int)$user->id, 'token' => $token]), "\n";
