<?php
// This file is part of lmsbridge's tests (GPLv3 or later), not of the plugin.
//
// Configures a test site stood up by tests/moodle/site (run from the Moodle code folder, as the web server's
// user): web services and REST on, an external service holding every given function the site has (and every
// function of the companion plugin), allowed to upload and download files, and an administrator's permanent
// token in it. Idempotent. Prints {"token": "..", "functions": N, "missing": [..]} as JSON.
//
// Usage: php site_setup.php SERVICE_SHORTNAME function [function ...]

define('CLI_SCRIPT', true);

[, $shortname] = array_pad($argv, 2, null);
$wanted = array_slice($argv, 2);
if (!$shortname) {
    fwrite(STDERR, "usage: php site_setup.php SERVICE function...\n");
    exit(2);
}
require(getcwd() . '/config.php');
require_once($CFG->dirroot . '/webservice/lib.php');

\core\session\manager::set_user(get_admin());
$system = context_system::instance();

set_config('enablewebservices', 1);
$protocols = array_filter(explode(',', (string)get_config('core', 'webserviceprotocols')));
if (!in_array('rest', $protocols)) {
    $protocols[] = 'rest';
    set_config('webserviceprotocols', implode(',', $protocols));
}

$manager = new webservice();
$service = $DB->get_record('external_services', ['shortname' => $shortname]);
if (!$service) {
    $id = $manager->add_external_service((object)['name' => 'lmsbridge tests', 'shortname' => $shortname,
        'enabled' => 1, 'restrictedusers' => 0, 'downloadfiles' => 1, 'uploadfiles' => 1,
        'requiredcapability' => '']);
    $service = $DB->get_record('external_services', ['id' => $id], '*', MUST_EXIST);
} else {
    $service->enabled = 1;
    $service->restrictedusers = 0;
    $service->downloadfiles = 1;
    $service->uploadfiles = 1;
    $manager->update_external_service($service);
}

// The plugin's functions, whatever the tests name, plus every function lmsbridge and its tests call.
$plugin = $DB->get_fieldset_select('external_functions', 'name', "component = 'local_lmsbridge'");
$missing = [];
$count = 0;
foreach (array_unique(array_merge($wanted, $plugin)) as $name) {
    if (!$DB->record_exists('external_functions', ['name' => $name])) {
        $missing[] = $name;  // a name in a test that is no function (a recording's name), or not on this version
        continue;
    }
    if (!$manager->service_function_exists($name, $service->id)) {
        $manager->add_external_function_to_service($name, $service->id);
    }
    $count++;
}

$admin = get_admin();
$token = $DB->get_field('external_tokens', 'token', ['externalserviceid' => $service->id, 'userid' => $admin->id,
    'tokentype' => EXTERNAL_TOKEN_PERMANENT]);
if (!$token) {
    $token = \core_external\util::generate_token(EXTERNAL_TOKEN_PERMANENT,
        \core_external\util::get_service_by_id($service->id), $admin->id, $system);
}
echo json_encode(['token' => $token, 'functions' => $count, 'missing' => $missing]), "\n";
