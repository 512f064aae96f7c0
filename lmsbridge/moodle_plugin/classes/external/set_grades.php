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
use local_lmsbridge\local\lookup;

/**
 * local_lmsbridge_set_grades: grades with feedback on one manual grade item, one result per learner.
 *
 * Unlike core_grades_update_grades this keeps the feedback, refuses learners not enrolled in the course
 * (whether they exist elsewhere or not, alike) and grades outside the item's range (each reported on its own
 * row, nothing stored for it, the other rows go on), stores each learner in a transaction of its own, and reads
 * back what Moodle stored. A database failure is not a row's fault: it ends the call.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class set_grades extends external_api {
    /**
     * Describes the parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'itemidnumber' => new external_value(PARAM_RAW_TRIMMED, 'idnumber of the manual grade item'),
            'grades' => new external_multiple_structure(new external_single_structure([
                'useridnumber' => new external_value(PARAM_RAW_TRIMMED, 'The learner by user idnumber', VALUE_DEFAULT, ''),
                'userid' => new external_value(PARAM_INT, 'The learner by user id (when no idnumber)', VALUE_DEFAULT, 0),
                'grade' => new external_value(PARAM_RAW_TRIMMED,
                    'The grade (a number), or empty to remove the grade', VALUE_DEFAULT, ''),
                'feedback' => new external_value(PARAM_RAW, 'Feedback text (plain text)', VALUE_DEFAULT, ''),
            ]), 'One row per learner'),
        ]);
    }

    /**
     * Sets the grades.
     *
     * @param int $courseid
     * @param string $itemidnumber
     * @param array $grades
     * @return array
     */
    public static function execute(int $courseid, string $itemidnumber, array $grades): array {
        global $CFG, $DB;
        require_once($CFG->libdir . '/gradelib.php');
        $p = self::validate_parameters(self::execute_parameters(),
            ['courseid' => $courseid, 'itemidnumber' => $itemidnumber, 'grades' => $grades]);
        [$course, $context] = lookup::enter($p['courseid']);
        require_capability('moodle/grade:edit', $context);

        $gradeitem = lookup::manual_grade_item($course->id, $p['itemidnumber']);
        if (!$gradeitem) {
            throw new \moodle_exception('gradeitemnotfound', 'local_lmsbridge', '', $p['itemidnumber']);
        }
        if ($gradeitem->is_locked()) {
            throw new \moodle_exception('gradeitemlocked', 'local_lmsbridge', '', $p['itemidnumber']);
        }

        $results = [];
        foreach ($p['grades'] as $row) {
            $result = ['useridnumber' => $row['useridnumber'], 'userid' => 0, 'status' => 'error', 'changed' => false,
                'errorcode' => '', 'message' => '', 'grade' => null, 'feedback' => ''];
            try {
                $user = self::learner($context, $row);
                // One transaction per learner: a refused row leaves nothing of itself behind.
                $transaction = $DB->start_delegated_transaction();
                try {
                    $result['changed'] = self::store($gradeitem, (int)$user->id, $row);
                    $transaction->allow_commit();
                } catch (\Throwable $e) {
                    $transaction->rollback($e); // Rethrows $e once rolled back.
                }
                $result['userid'] = (int)$user->id;
                $result['status'] = 'ok';
                $stored = new \grade_grade(['itemid' => $gradeitem->id, 'userid' => $user->id]);
                $result['grade'] = $stored->finalgrade === null ? null : (float)$stored->finalgrade;
                $result['feedback'] = (string)$stored->feedback;
            } catch (\moodle_exception $e) {
                if ($e->module !== 'local_lmsbridge') {
                    // A database or core failure is no verdict on the row: the call fails (earlier learners
                    // stay stored, each in its own committed transaction).
                    throw $e;
                }
                $result['userid'] = isset($user) ? (int)$user->id : 0;
                $result['errorcode'] = $e->errorcode;
                $result['message'] = $e->getMessage();
            }
            unset($user);
            $results[] = $result;
        }
        return ['itemid' => (int)$gradeitem->id, 'grademin' => (float)$gradeitem->grademin,
            'grademax' => (float)$gradeitem->grademax, 'results' => $results];
    }

    /**
     * The learner of a row, looked up among the users enrolled in the course only (any enrolment, any status).
     *
     * Someone who is not in the course, exists elsewhere on the site or not at all answers alike
     * (usernotenrolled, no user id): a grader of one course learns nothing of the site's other users.
     *
     * @param \context_course $context
     * @param array $row
     * @return \stdClass user record (id, idnumber)
     */
    protected static function learner(\context_course $context, array $row): \stdClass {
        global $DB;
        if ($row['useridnumber'] !== '') {
            $where = 'u.idnumber = :idnumber';
            $params = ['idnumber' => $row['useridnumber']];
            $who = $row['useridnumber'];
        } else if ($row['userid'] > 0) {
            $where = 'u.id = :userid';
            $params = ['userid' => $row['userid']];
            $who = '#' . $row['userid'];
        } else {
            throw new \moodle_exception('usermissing', 'local_lmsbridge');
        }
        [$enrolled, $eparams] = get_enrolled_sql($context);
        $users = $DB->get_records_sql("SELECT u.id, u.idnumber
                                         FROM {user} u
                                         JOIN ($enrolled) je ON je.id = u.id
                                        WHERE $where AND u.deleted = 0", $params + $eparams);
        if (!$users) {
            throw new \moodle_exception('usernotenrolled', 'local_lmsbridge', '', $who);
        }
        if (count($users) > 1) {
            throw new \moodle_exception('useridnumberduplicate', 'local_lmsbridge', '', $who);
        }
        return reset($users);
    }

    /**
     * Stores grade and feedback of one learner.
     *
     * @param \grade_item $gradeitem
     * @param int $userid
     * @param array $row
     * @return bool whether anything changed
     */
    protected static function store(\grade_item $gradeitem, int $userid, array $row): bool {
        $grade = null;
        if ($row['grade'] !== '') {
            $grade = unformat_float($row['grade'], true);
            if ($grade === false || !is_numeric($row['grade'])) {
                throw new \moodle_exception('gradenotanumber', 'local_lmsbridge', '', s($row['grade']));
            }
            if ($grade < $gradeitem->grademin || $grade > $gradeitem->grademax) {
                // Moodle would clamp silently; a results file with an impossible grade is a mistake to report.
                throw new \moodle_exception('gradeoutofrange', 'local_lmsbridge', '', (object)['grade' => $grade,
                    'min' => format_float($gradeitem->grademin, -1), 'max' => format_float($gradeitem->grademax, -1)]);
            }
        }
        $before = new \grade_grade(['itemid' => $gradeitem->id, 'userid' => $userid]);
        if (!empty($before->id) && $before->is_locked()) {
            throw new \moodle_exception('gradelocked', 'local_lmsbridge');
        }
        $same = !empty($before->id) && !grade_floats_different($before->finalgrade, $grade)
            && (string)$before->feedback === $row['feedback'] && (int)$before->feedbackformat === (int)FORMAT_PLAIN;
        if ($same) {
            return false;
        }
        if (!$gradeitem->update_final_grade($userid, $grade, 'local_lmsbridge', $row['feedback'], FORMAT_PLAIN)) {
            throw new \moodle_exception('gradenotstored', 'local_lmsbridge');
        }
        return true;
    }

    /**
     * Describes the result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'itemid' => new external_value(PARAM_INT, 'Grade item id'),
            'grademin' => new external_value(PARAM_FLOAT, 'Minimum grade of the item'),
            'grademax' => new external_value(PARAM_FLOAT, 'Maximum grade of the item'),
            'results' => new external_multiple_structure(new external_single_structure([
                'useridnumber' => new external_value(PARAM_RAW, 'As sent'),
                'userid' => new external_value(PARAM_INT, 'User id (0 when the user was not found)'),
                'status' => new external_value(PARAM_ALPHA, 'ok or error'),
                'changed' => new external_value(PARAM_BOOL, 'Grade or feedback was written'),
                'errorcode' => new external_value(PARAM_ALPHANUMEXT, 'Why the row was refused (empty when ok)'),
                'message' => new external_value(PARAM_TEXT, 'What to do about it (empty when ok)'),
                'grade' => new external_value(PARAM_FLOAT, 'Grade stored, read back (null: no grade)'),
                'feedback' => new external_value(PARAM_RAW, 'Feedback stored, read back'),
            ]), 'One row per learner, in the order sent'),
        ]);
    }
}
