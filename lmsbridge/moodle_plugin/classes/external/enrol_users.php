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
use local_lmsbridge\local\cache_flags;

/**
 * local_lmsbridge_enrol_users: enrol_manual_enrol_users with its checks made once per course, not per row.
 *
 * The same parameters, checks, errors and effect as enrol_manual_enrol_users (enrol, or change the status and
 * dates of an enrolment, in one transaction: one bad row fails the call): per course the context is validated,
 * enrol/manual:enrol required, the role checked against the roles the caller may assign, and the course's manual
 * enrolment instance found, once. Core does all of that for every row, which costs more than the enrolment.
 *
 * New enrolments are written as enrol_plugin::enrol_user() and role_assign() write them, a course at a time:
 * the user_enrolments and role_assignments rows in one insert each (after one query for what exists), then what
 * those functions do after their insert, in their order: per row the user_enrolment_created event, the category
 * enrolment cache and the after_user_enrolled hook (the welcome message); mark_user_dirty() for all rows in two
 * queries and the course contacts cache once per role (core does both per row; the result is the same); per row
 * the role_assigned event and the after_role_assigned hook; grades recovered when the site says so.
 *
 * The welcome message comes from the course contact, found once per course: core's callback looks it up for every
 * row, and when the course has none (a new course has no teacher yet) it sends nothing, after five queries a row.
 * Then the hook is dispatched with the instance's welcome option off, so the callback skips that. Rows that assign
 * a course-contact role (a teacher) are enrolled first, through enrol_user(), so that the others are welcomed by
 * them as core would. A row that changes an existing enrolment, repeats a user of the same course, or enrols the
 * caller also goes through enrol_user(). Requires enrol/manual:enrol and moodle/role:assign.
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
        $rows = [];  // Course id => its checked rows.
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
            $rows[$e['courseid']][] = $e;
        }
        foreach ($rows as $courseid => $of) {
            self::enrol_course($enrol, $courses[$courseid][0], $of);
        }
        $transaction->allow_commit();
        return null;
    }

    /**
     * The rows of one course: new enrolments in bulk, the others through enrol_user().
     *
     * @param \enrol_plugin $enrol the manual enrolment plugin
     * @param \stdClass $instance the course's manual enrolment instance
     * @param array $rows checked rows of this course, in order
     */
    private static function enrol_course(\enrol_plugin $enrol, \stdClass $instance, array $rows): void {
        global $CFG, $DB, $USER;
        [$in, $params] = $DB->get_in_or_equal(array_unique(array_column($rows, 'userid')), SQL_PARAMS_NAMED);
        $params['enrolid'] = $instance->id;
        $enrolled = $DB->get_records_select_menu('user_enrolments', "enrolid = :enrolid AND userid $in", $params, '',
            'userid, id');
        $contactroles = empty($CFG->coursecontact) ? [] : array_flip(explode(',', $CFG->coursecontact));
        $new = [];
        $contacts = [];  // Rows that make a course contact: before the others, as they may welcome them.
        $others = [];
        foreach ($rows as $e) {
            $user = $e['userid'];
            if (isset($enrolled[$user]) || isset($new[$user]) || $user == $USER->id) {
                $others[] = $e;
            } else if (isset($contactroles[$e['roleid']])) {
                $contacts[] = $e;
                $enrolled[$user] = true;
            } else {
                $new[$user] = $e;
            }
        }
        foreach ($contacts as $e) {
            self::enrol_one($enrol, $instance, $e);
        }
        if ($new) {
            [$in, $params] = $DB->get_in_or_equal(array_keys($new), SQL_PARAMS_NAMED);
            if ($DB->count_records_select('user', "id $in AND deleted = 0", $params) != count($new)) {
                throw new \coding_exception('User ID does not exist or is deleted!');  // As role_assign().
            }
            $context = \context_course::instance($instance->courseid, MUST_EXIST);
            $now = time();
            $records = [];
            foreach ($new as $user => $e) {
                $records[] = (object)['enrolid' => $instance->id, 'userid' => $user,
                    'status' => empty($e['suspend']) ? ENROL_USER_ACTIVE : ENROL_USER_SUSPENDED,
                    'timestart' => $e['timestart'] ?? 0, 'timeend' => $e['timeend'] ?? 0, 'modifierid' => $USER->id,
                    'timecreated' => $now, 'timemodified' => $now];
            }
            $DB->insert_records('user_enrolments', $records);
            $params['enrolid'] = $instance->id;
            $ues = $DB->get_records_select('user_enrolments', "enrolid = :enrolid AND userid $in", $params);
            $hookinstance = self::welcome_instance($enrol, $instance, $context);
            foreach ($ues as $ue) {  // As enrol_user() after its insert.
                \core\event\user_enrolment_created::create(['objectid' => $ue->id, 'courseid' => $instance->courseid,
                    'context' => $context, 'relateduserid' => $ue->userid, 'other' => ['enrol' => 'manual']])->trigger();
                \core_course_category::user_enrolment_changed($instance->courseid, $ue->userid, $ue->status,
                    $ue->timestart, $ue->timeend);
                \core\di::get(\core\hook\manager::class)->dispatch(new \core_enrol\hook\after_user_enrolled(
                    enrolinstance: $hookinstance, userenrolmentinstance: $ue, roleid: $new[$ue->userid]['roleid']));
            }
            self::assign_roles($context, $new, $now);
            if ($CFG->recovergradesdefault) {
                require_once($CFG->libdir . '/gradelib.php');
                foreach (array_keys($new) as $user) {
                    grade_recover_history_grades($user, $instance->courseid);
                }
            }
        }
        foreach ($others as $e) {
            self::enrol_one($enrol, $instance, $e);
        }
    }

    /**
     * One row through enrol_user() itself.
     *
     * @param \enrol_plugin $enrol
     * @param \stdClass $instance
     * @param array $e the row
     */
    private static function enrol_one(\enrol_plugin $enrol, \stdClass $instance, array $e): void {
        $enrol->enrol_user($instance, $e['userid'], $e['roleid'], $e['timestart'] ?? 0, $e['timeend'] ?? 0,
            empty($e['suspend']) ? ENROL_USER_ACTIVE : ENROL_USER_SUSPENDED);
    }

    /**
     * The instance to hand to the after_user_enrolled hook: the course's own, or, when it would send a welcome
     * message but the course has no contact to send it from, a copy with the welcome option off, so that the
     * callback does not look for the contact again for every row only to send nothing.
     *
     * @param \enrol_plugin $enrol
     * @param \stdClass $instance
     * @param \context_course $context
     * @return \stdClass
     */
    private static function welcome_instance(\enrol_plugin $enrol, \stdClass $instance,
            \context_course $context): \stdClass {
        $option = (int)$instance->customint1;
        if ($option === ENROL_DO_NOT_SEND_EMAIL || $enrol->get_welcome_message_contact($option, $context)) {
            return $instance;
        }
        $quiet = clone $instance;
        $quiet->customint1 = ENROL_DO_NOT_SEND_EMAIL;
        return $quiet;
    }

    /**
     * role_assign() for the newly enrolled users (manual enrolments assign roles without a component).
     *
     * @param \context_course $context
     * @param array $new user id => row
     * @param int $now
     */
    private static function assign_roles(\context_course $context, array $new, int $now): void {
        global $DB, $USER;
        [$in, $params] = $DB->get_in_or_equal(array_keys($new), SQL_PARAMS_NAMED);
        $params['contextid'] = $context->id;
        $select = "contextid = :contextid AND component = '' AND itemid = 0 AND userid $in";
        $had = [];
        foreach ($DB->get_records_select('role_assignments', $select, $params, '', 'id, roleid, userid') as $ra) {
            $had[$ra->userid . '/' . $ra->roleid] = true;
        }
        $records = [];
        foreach ($new as $user => $e) {
            if (!isset($had[$user . '/' . $e['roleid']])) {
                $records[] = (object)['roleid' => $e['roleid'], 'contextid' => $context->id, 'userid' => $user,
                    'component' => '', 'itemid' => 0, 'timemodified' => $now,
                    'modifierid' => empty($USER->id) ? 0 : $USER->id, 'sortorder' => 0];
            }
        }
        if ($records) {
            $DB->insert_records('role_assignments', $records);
        }
        $assigned = [];
        foreach ($DB->get_records_select('role_assignments', $select, $params, 'id') as $ra) {
            if (!isset($had[$ra->userid . '/' . $ra->roleid]) && $ra->roleid == $new[$ra->userid]['roleid']) {
                $assigned[] = $ra;
            }
        }
        // As role_assign() after its insert: mark_user_dirty() and the course contacts cache, for all at once.
        cache_flags::mark_users_dirty(array_column($assigned, 'userid'));
        foreach (array_unique(array_column($assigned, 'roleid')) as $roleid) {
            \core_course_category::role_assignment_changed($roleid, $context);
        }
        foreach ($assigned as $ra) {
            $event = \core\event\role_assigned::create(['context' => $context, 'objectid' => $ra->roleid,
                'relateduserid' => $ra->userid,
                'other' => ['id' => $ra->id, 'component' => $ra->component, 'itemid' => $ra->itemid]]);
            $event->add_record_snapshot('role_assignments', $ra);
            $event->trigger();
            \core\di::get(\core\hook\manager::class)->dispatch(new \core\hook\access\after_role_assigned(
                context: $context, userid: $ra->userid));
        }
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
