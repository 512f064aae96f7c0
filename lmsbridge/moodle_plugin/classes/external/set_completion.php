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
 * local_lmsbridge_set_completion: a course's completion criteria, as a teacher sets them on course/completion.php.
 *
 * Core has no web service for course completion criteria. This does what that page does when saved with "all
 * of these activities" ticked and "all criteria" as the overall condition: clear the criteria, add one activity
 * criterion per activity, store the aggregations and trigger course_completion_updated; with the page's checks:
 * moodle/course:update, completion enabled on the site and in the course, only activities with completion
 * tracking (the only ones the page offers), and nothing changed once learners have completed a criterion (the
 * page freezes the criteria then; unlocking deletes their completion data, which the sync never does).
 * Idempotent: criteria that already match are left as they are.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class set_completion extends external_api {
    /**
     * Describes the parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'activities' => new external_multiple_structure(
                new external_value(PARAM_RAW, 'idnumber of an activity that must be complete'),
                'All of these activities complete completes the course (none: no criteria)', VALUE_DEFAULT, []),
        ]);
    }

    /**
     * Sets the criteria unless they already match.
     *
     * @param int $courseid
     * @param array $activities
     * @return array
     */
    public static function execute(int $courseid, array $activities): array {
        global $CFG, $DB;
        require_once($CFG->libdir . '/completionlib.php');
        require_once($CFG->dirroot . '/completion/criteria/completion_criteria_activity.php');
        $p = self::validate_parameters(self::execute_parameters(), ['courseid' => $courseid,
            'activities' => $activities]);
        [$course, $context] = lookup::enter($p['courseid']);
        require_capability('moodle/course:update', $context);
        $info = new \completion_info($course);
        if (!$info->is_enabled()) {
            throw new \moodle_exception('completionnotenabled', 'local_lmsbridge', '', $course->id);
        }
        $cmids = [];
        foreach (array_unique($p['activities']) as $idnumber) {
            $cm = lookup::course_module($course->id, $idnumber);
            if (!$cm || (int)$cm->completion === COMPLETION_TRACKING_NONE) {
                throw new \moodle_exception('completionactivity', 'local_lmsbridge', '', $idnumber);
            }
            $cmids[(int)$cm->id] = $idnumber;
        }
        ksort($cmids);
        $state = get_completion::course_state($course);
        $have = $state['activities'];
        $want = array_values($cmids);
        sort($want);
        $matches = $have === $want && !$state['othercriteria'] && $state['aggregation'] === COMPLETION_AGGREGATION_ALL;
        if ($matches) {
            return ['changed' => false] + $state;
        }
        if ($info->is_course_locked()) {
            throw new \moodle_exception('completionlocked', 'local_lmsbridge', '', $course->id);
        }
        $transaction = $DB->start_delegated_transaction();
        $info->clear_criteria();
        $data = (object)['id' => $course->id, 'criteria_activity' => array_fill_keys(array_keys($cmids), 1)];
        (new \completion_criteria_activity())->update_config($data);
        foreach ([null, COMPLETION_CRITERIA_TYPE_ACTIVITY, COMPLETION_CRITERIA_TYPE_COURSE,
                COMPLETION_CRITERIA_TYPE_ROLE] as $type) {
            $aggregation = new \completion_aggregation(['course' => $course->id, 'criteriatype' => $type]);
            $aggregation->setMethod(COMPLETION_AGGREGATION_ALL);
            $aggregation->save();
        }
        $transaction->allow_commit();
        \core\event\course_completion_updated::create(['courseid' => $course->id, 'context' => $context])->trigger();
        return ['changed' => true] + get_completion::course_state($course);
    }

    /**
     * Describes the result: the criteria now set.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure(['changed' => new external_value(PARAM_BOOL, 'The criteria were changed')]
            + get_completion::state_structure());
    }
}
