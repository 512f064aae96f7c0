<?php
// This file is part of lmsbridge's tests (GPLv3 or later), not of the plugin.
//
// Reads what Moodle keeps about accounts outside any web service: whether each user's sessions are told to reload
// their access (the accesslib/dirtyusers flag, set when a role is assigned) and their preferences (the
// userpreferenceschanged flag), and the create_password preference that cron turns into a mailed password.
// Prints one JSON object: user id => {"dirty": bool, "preferenceschanged": bool, "create_password": string|null}.
//
// Usage: php user_flags.php MOODLE_DIR USERID...

define('CLI_SCRIPT', true);

$moodledir = $argv[1] ?? null;
$userids = array_map('intval', array_slice($argv, 2));
if ($moodledir === null || !$userids) {
    fwrite(STDERR, "usage: php user_flags.php MOODLE_DIR USERID...\n");
    exit(2);
}
require($moodledir . '/config.php');

$out = [];
foreach ($userids as $id) {
    $flag = fn(string $type) => $DB->record_exists_select('cache_flags', 'flagtype = ? AND name = ? AND expiry > ?',
        [$type, (string)$id, time()]);
    $pref = $DB->get_field('user_preferences', 'value', ['userid' => $id, 'name' => 'create_password']);
    $out[$id] = ['dirty' => $flag('accesslib/dirtyusers'), 'preferenceschanged' => $flag('userpreferenceschanged'),
        'create_password' => $pref === false ? null : $pref];
}
echo json_encode($out, JSON_FORCE_OBJECT), "\n";
