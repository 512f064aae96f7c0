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

/**
 * local_lmsbridge_enrol_users: enrol_manual_enrol_users with its checks made once per course, not per row.
 *
 * The same parameters, checks, errors and effect as enrol_manual_enrol_users (enrol, or change the status and
 * dates of an enrolment through the manual enrolment plugin's enrol_user(), in one transaction: one bad row fails
 * the call): per course the context is validated, enrol/manual:enrol required, the role checked against the
 * roles the caller may assign, and the course's manual enrolment instance found, once. Core does all of that for
 * every row, which costs more than the enrolment itself. Requires enrol/manual:enrol and moodle/role:assign.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class enrol_users extends external_api {
    /**
     * Describes the parameters (enrol_manual_enrol_users').
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'enrolments' => new external_multiple_structure(new external_single_structure([
                'roleid' => new external_value(PARAM_INT, 'Role to assign to the user'),
                'userid' => new external_value(PARAM_INT, 'The user that is going to be enrolled'),
                'courseid' => new external_value(PARAM_INT, 'The course to enrol the user role in'),
                'timestart' => new external_value(PARAM_INT, 'Timestamp when the enrolment start', VALUE_OPTIONAL),
                'timeend' => new external_value(PARAM_INT, 'Timestamp when the enrolment end', VALUE_OPTIONAL),
                'suspend' => new external_value(PARAM_INT, 'set to 1 to suspend the enrolment', VALUE_OPTIONAL),
            ])),
        ]);
    }

    /**
     * Enrols (or updates the enrolments of) the users.
     *
     * @param array $enrolments
     * @return null
     */
    public static function execute(array $enrolments) {
        global $CFG, $DB;
        require_once($CFG->libdir . '/enrollib.php');
        $p = self::validate_parameters(self::execute_parameters(), ['enrolments' => $enrolments]);
        $enrol = enrol_get_plugin('manual');
        if (empty($enrol)) {
            throw new \moodle_exception('manualpluginnotinstalled', 'enrol_manual');
        }
        $transaction = $DB->start_delegated_transaction();
        $courses = [];  // Course id => [manual instance, roles the caller may assign there].
        foreach ($p['enrolments'] as $e) {
            $errorparams = (object)['roleid' => $e['roleid'], 'courseid' => $e['courseid'], 'userid' => $e['userid']];
            if (!isset($courses[$e['courseid']])) {
                $context = \context_course::instance($e['courseid'], IGNORE_MISSING);
                self::validate_context($context);
                require_capability('enrol/manual:enrol', $context);
                $instance = null;
                foreach (enrol_get_instances($e['courseid'], true) as $candidate) {
                    if ($candidate->enrol == 'manual') {
                        $instance = $candidate;
                        break;
                    }
                }
                if (empty($instance)) {
                    throw new \moodle_exception('wsnoinstance', 'enrol_manual', '', $errorparams);
                }
                if (!$enrol->allow_enrol($instance)) {
                    throw new \moodle_exception('wscannotenrol', 'enrol_manual', '', $errorparams);
                }
                $courses[$e['courseid']] = [$instance, get_assignable_roles($context)];
            }
            [$instance, $roles] = $courses[$e['courseid']];
            if (!array_key_exists($e['roleid'], $roles)) {
                throw new \moodle_exception('wsusercannotassign', 'enrol_manual', '', $errorparams);
            }
            $enrol->enrol_user($instance, $e['userid'], $e['roleid'], $e['timestart'] ?? 0, $e['timeend'] ?? 0,
                empty($e['suspend']) ? ENROL_USER_ACTIVE : ENROL_USER_SUSPENDED);
        }
        $transaction->allow_commit();
        return null;
    }

    /**
     * Describes the result: none, as enrol_manual_enrol_users.
     *
     * @return null
     */
    public static function execute_returns() {
        return null;
    }
}
