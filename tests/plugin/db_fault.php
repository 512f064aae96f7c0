<?php
// This file is part of lmsbridge's tests (GPLv3 or later), not of the plugin.
//
// Test setup on a Moodle the tests may change: make the database refuse a write, as a full disk or a broken
// constraint would. "on" adds a PostgreSQL trigger that fails the insert into the grade history of any grade whose
// feedback is FEEDBACK (Moodle writes the grade first, then its history: a learner's write is then half done
// unless it runs in a transaction); "off" removes it. Exit 3 on a database other than PostgreSQL.
//
// Usage: php db_fault.php MOODLE_DIR on|off FEEDBACK

define('CLI_SCRIPT', true);

[, $moodledir, $state, $feedback] = array_pad($argv, 4, null);
if (!in_array($state, ['on', 'off'], true) || $feedback === null) {
    fwrite(STDERR, "usage: php db_fault.php MOODLE_DIR on|off FEEDBACK\n");
    exit(2);
}
require($moodledir . '/config.php');

if ($DB->get_dbfamily() !== 'postgres') {
    echo "the database fault is written for PostgreSQL; this site runs " . $DB->get_dbfamily() . "\n";
    exit(3);
}
if (!empty($CFG->disablegradehistory)) {
    echo "grade history is disabled on this site: no second write to fail\n";
    exit(3);
}
$table = $CFG->prefix . 'grade_grades_history';
$DB->change_database_structure("DROP TRIGGER IF EXISTS lmsbridge_test_fail ON {$table}");
if ($state === 'on') {
    $quoted = "'" . str_replace("'", "''", $feedback) . "'";
    $DB->change_database_structure("CREATE OR REPLACE FUNCTION lmsbridge_test_fail() RETURNS trigger AS \$f\$ BEGIN
                      IF NEW.feedback = {$quoted} THEN RAISE EXCEPTION 'lmsbridge test: write refused'; END IF;
                      RETURN NEW; END \$f\$ LANGUAGE plpgsql");
    $DB->change_database_structure("CREATE TRIGGER lmsbridge_test_fail BEFORE INSERT ON {$table} FOR EACH ROW
                  EXECUTE FUNCTION lmsbridge_test_fail()");
}
echo "ok\n";
