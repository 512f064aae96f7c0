<?php
// This file is part of Moodle - https://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <https://www.gnu.org/licenses/>.

namespace local_lmsbridge\external;

use core_external\external_api;
use core_external\external_function_parameters;
use core_external\external_multiple_structure;
use core_external\external_single_structure;
use core_external\external_value;
use core_external\external_warnings;

/**
 * local_lmsbridge_add_cohort_members: core_cohort_add_cohort_members with its look-ups made once per call.
 *
 * The same parameters, checks, warnings (in core's codes and words), errors and effect as
 * core_cohort_add_cohort_members, in one transaction: a row whose cohort or user does not exist, or who is a member
 * already (also by an earlier row of the call), gets a warning and the others are added; a cohort the caller may
 * not assign to fails the call. Core looks up the cohort, the user and the membership for every row; here cohorts
 * are looked up and checked once each, users in one query per 1,000 and memberships in one query per cohort, the
 * new members written in one insert, then cohort_add_member()'s cohort_member_added event for each (its observers,
 * such as cohort enrolment, run as with core). Requires moodle/cohort:assign (or moodle/cohort:manage).
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class add_cohort_members extends external_api {
    /**
     * Describes the parameters (core_cohort_add_cohort_members').
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        $typevalue = fn(string $what, string $types) => new external_single_structure([
            'type' => new external_value(PARAM_ALPHANUMEXT, 'The name of the field: ' . $types),
            'value' => new external_value(PARAM_RAW, 'The value of the ' . $what),
        ]);
        return new external_function_parameters([
            'members' => new external_multiple_structure(new external_single_structure([
                'cohorttype' => $typevalue('cohort', 'id (numeric value of cohortid) or idnumber (alphanumeric value '
                    . 'of idnumber)'),
                'usertype' => $typevalue('user', 'id (numeric value of id) or username (alphanumeric value of '
                    . 'username)'),
            ])),
        ]);
    }

    /**
     * Adds the members.
     *
     * @param array $members
     * @return array warnings, as core's
     */
    public static function execute(array $members): array {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/cohort/lib.php');
        $p = self::validate_parameters(self::execute_parameters(), ['members' => $members]);
        $transaction = $DB->start_delegated_transaction();
        $cohorts = [];  // Type/value => cohort record with its context, or false when it does not exist.
        $members = [];  // Cohort id => user id => true: members already, and those this call adds.
        $warnings = [];
        $warning = function(string $code, string $message) use (&$warnings): void {
            $warnings[] = ['warningcode' => $code, 'message' => $message];
        };
        $added = [];
        $users = self::users($p['members']);
        foreach ($p['members'] as $m) {
            [$ct, $ut] = [$m['cohorttype'], $m['usertype']];
            if ($ct['type'] != 'id' && $ct['type'] != 'idnumber') {
                $warning('1', 'invalid parameter: cohortype=' . $ct['type']);
                continue;
            }
            if ($ut['type'] != 'id' && $ut['type'] != 'username') {
                $warning('1', 'invalid parameter: usertype=' . $ut['type']);
                continue;
            }
            $key = $ct['type'] . '/' . $ct['value'];
            try {
                $cohorts[$key] ??= $DB->get_record('cohort', [$ct['type'] => $ct['value']], '*', IGNORE_MULTIPLE);
            } catch (\Exception $e) {
                throw new \moodle_exception('Error', 'cohort', '', $e->getMessage());
            }
            $cohort = $cohorts[$key];
            if (!$cohort) {
                $warning('2', 'cohort ' . $ct['type'] . '=' . $ct['value'] . ' not exists');
                continue;
            }
            $userid = $users[$ut['type']][(string)$ut['value']] ?? null;
            if (!$userid) {
                $warning('2', 'user ' . $ut['type'] . '=' . $ut['value'] . ' not exists');
                continue;
            }
            if (!isset($members[$cohort->id])) {
                $members[$cohort->id] = array_flip($DB->get_fieldset_select('cohort_members', 'userid',
                    'cohortid = ?', [$cohort->id]));
            }
            if (isset($members[$cohort->id][$userid])) {
                $warning('3', 'record already exists: cohort(' . $ct['type'] . '=' . $ct['value'] . ' ' . $ut['type']
                    . '=' . $ut['value'] . ')');
                continue;
            }
            if (!isset($cohort->context)) {  // Checked once per cohort, as core checks it for each row.
                $context = \context::instance_by_id($cohort->contextid, MUST_EXIST);
                if ($context->contextlevel != CONTEXT_COURSECAT && $context->contextlevel != CONTEXT_SYSTEM) {
                    $warning('1', 'Invalid context: ' . $context->contextlevel);
                    continue;
                }
                try {
                    self::validate_context($context);
                } catch (\Exception $e) {
                    throw new \moodle_exception('Error', 'cohort', '', $e->getMessage());
                }
                if (!has_capability('moodle/cohort:manage', $context)) {  // As core: either of the two.
                    require_capability('moodle/cohort:assign', $context);
                }
                $cohort->context = $context;
            }
            $members[$cohort->id][$userid] = true;
            $added[] = [$cohort, $userid];
        }
        $now = time();
        $DB->insert_records('cohort_members', array_map(fn(array $a) => (object)['cohortid' => $a[0]->id,
            'userid' => $a[1], 'timeadded' => $now], $added));
        foreach ($added as [$cohort, $userid]) {  // As cohort_add_member() after its insert.
            $event = \core\event\cohort_member_added::create(['context' => $cohort->context, 'objectid' => $cohort->id,
                'relateduserid' => $userid]);
            $record = clone $cohort;
            unset($record->context);
            $event->add_record_snapshot('cohort', $record);
            $event->trigger();
        }
        $transaction->allow_commit();
        return ['warnings' => $warnings];
    }

    /**
     * The live local accounts the rows name, by id and by username, in one query per 1,000 values (an id that is
     * not a number names nobody: core's query fails on it).
     *
     * @param array $members the rows
     * @return array type => value => user id
     */
    private static function users(array $members): array {
        global $CFG, $DB;
        $out = ['id' => [], 'username' => []];
        foreach (array_keys($out) as $type) {
            $values = [];
            foreach ($members as $m) {
                $value = (string)$m['usertype']['value'];
                if ($m['usertype']['type'] === $type && ($type !== 'id' || ctype_digit($value))) {
                    $values[$value] = true;
                }
            }
            foreach (array_chunk(array_keys($values), 1000) as $chunk) {
                [$in, $params] = $DB->get_in_or_equal($chunk, SQL_PARAMS_NAMED);
                $params['mnethostid'] = $CFG->mnet_localhost_id;
                $found = $DB->get_records_select_menu('user', "$type $in AND deleted = 0 AND mnethostid = :mnethostid",
                    $params, '', "id, $type AS matched");
                foreach ($found as $id => $value) {
                    $out[$type][(string)$value] = (int)$id;
                }
            }
        }
        return $out;
    }

    /**
     * Describes the result (core_cohort_add_cohort_members').
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure(['warnings' => new external_warnings()]);
    }
}
