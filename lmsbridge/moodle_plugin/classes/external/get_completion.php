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
 * local_lmsbridge_get_completion: the course completion criteria of many courses, as set_completion sets them.
 *
 * Core shows a course's criteria only per learner (core_completion_get_course_completion_status); the sync needs
 * them for the course, to leave matching criteria alone. Requires moodle/course:update, as the settings page.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class get_completion extends external_api {
    /**
     * Describes the parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseids' => new external_multiple_structure(new external_value(PARAM_INT, 'Course id')),
        ]);
    }

    /**
     * Reads the criteria of each course.
     *
     * @param array $courseids
     * @return array
     */
    public static function execute(array $courseids): array {
        global $CFG;
        require_once($CFG->libdir . '/completionlib.php');
        $p = self::validate_parameters(self::execute_parameters(), ['courseids' => $courseids]);
        $out = [];
        foreach ($p['courseids'] as $id) {
            [$course, $context] = lookup::enter($id);
            require_capability('moodle/course:update', $context);
            $out[] = ['courseid' => (int)$course->id] + self::course_state($course);
        }
        return ['courses' => $out];
    }

    /**
     * A course's completion state: enabled, the activity criteria by idnumber, other criteria, aggregation, lock.
     *
     * @param \stdClass $course
     * @return array
     */
    public static function course_state(\stdClass $course): array {
        global $DB;
        $info = new \completion_info($course);
        $activities = [];
        $other = 0;
        foreach ($info->get_criteria() as $criterion) {
            if ((int)$criterion->criteriatype === COMPLETION_CRITERIA_TYPE_ACTIVITY) {
                $activities[] = (string)$DB->get_field('course_modules', 'idnumber',
                    ['id' => $criterion->moduleinstance]);
            } else {
                $other++;
            }
        }
        sort($activities);
        return ['enabled' => (bool)$info->is_enabled(), 'activities' => $activities, 'othercriteria' => $other,
            'aggregation' => (int)$info->get_aggregation_method(), 'locked' => (bool)$info->is_course_locked()];
    }

    /**
     * The fields of course_state().
     *
     * @return array
     */
    public static function state_structure(): array {
        return [
            'enabled' => new external_value(PARAM_BOOL, 'Completion is enabled on the site and in the course'),
            'activities' => new external_multiple_structure(
                new external_value(PARAM_RAW, 'idnumber of an activity criterion')),
            'othercriteria' => new external_value(PARAM_INT, 'Criteria of other types (date, role, grade, ...)'),
            'aggregation' => new external_value(PARAM_INT, 'Overall aggregation: 1 all, 2 any'),
            'locked' => new external_value(PARAM_BOOL, 'Learners have completed criteria: the page freezes them'),
        ];
    }

    /**
     * Describes the result: one entry per course, in the order asked.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courses' => new external_multiple_structure(new external_single_structure(
                ['courseid' => new external_value(PARAM_INT, 'Course id')] + self::state_structure())),
        ]);
    }
}
