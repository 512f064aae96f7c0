<?php
// This file is part of lmsbridge's tests (GPLv3 or later), not of the plugin.
//
// Runs Moodle's own plugin-zip validator (the one behind Site administration > Plugins > Install plugins) on a
// zip, without installing it. Prints one JSON object: {"valid": bool, "rootdir": "...", "messages": [...]}.
//
// Usage: php validate_zip.php MOODLE_DIR ZIP

define('CLI_SCRIPT', true);

[, $moodledir, $zip] = array_pad($argv, 3, null);
if (!$zip) {
    fwrite(STDERR, "usage: php validate_zip.php MOODLE_DIR ZIP\n");
    exit(2);
}
require($moodledir . '/config.php');

$tmp = make_request_directory();
$files = core_plugin_manager::instance()->unzip_plugin_file($zip, $tmp);
$validator = \core\update\validator::instance($tmp, $files);
$validator->assert_plugin_type('local');
$validator->assert_moodle_version($CFG->version);
$valid = $validator->execute();
$messages = array_map(fn($m) => ['level' => $m->level, 'code' => $m->msgcode, 'info' => $m->addinfo],
    $validator->get_messages());
echo json_encode(['valid' => $valid, 'rootdir' => $validator->get_rootdir(), 'messages' => $messages]), "\n";
