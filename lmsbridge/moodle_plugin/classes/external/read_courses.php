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
use local_lmsbridge\local\course_state;
use local_lmsbridge\local\lookup;

/**
 * local_lmsbridge_read_courses: the state the sync compares, for many courses in one call.
 *
 * Per course and on request: the enrolled users with their roles and whether they are active, the SCORM
 * activities and manual grade items, the grades in the items the sync owns, and the linked competencies. Core
 * reads each of these with a call per course, so a sync that finds nothing to change would cost a few calls per
 * course; with this function it costs one call for all of them. Each part requires, in that course, the
 * capability its core counterpart requires.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class read_courses extends external_api {
    /**
     * Describes the parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courses' => new external_multiple_structure(new external_single_structure([
                'id' => new external_value(PARAM_INT, 'Course id'),
                'enrolments' => new external_value(PARAM_BOOL, 'Read the enrolled users', VALUE_DEFAULT, false),
                'activities' => new external_value(PARAM_BOOL, 'Read the SCORM activities and manual grade items',
                    VALUE_DEFAULT, false),
                'grades' => new external_value(PARAM_BOOL, 'Read the grades', VALUE_DEFAULT, false),
                'competencies' => new external_value(PARAM_BOOL, 'Read the linked competencies', VALUE_DEFAULT,
                    false),
            ])),
            'idnumberprefix' => new external_value(PARAM_RAW,
                'Activities, grade items and graded items: only idnumbers that start with this (empty: all)',
                VALUE_DEFAULT, ''),
        ]);
    }

    /**
     * Reads the requested parts of each course.
     *
     * @param array $courses
     * @param string $idnumberprefix
     * @return array
     */
    public static function execute(array $courses, string $idnumberprefix = ''): array {
        $p = self::validate_parameters(self::execute_parameters(),
            ['courses' => $courses, 'idnumberprefix' => $idnumberprefix]);
        $prefix = $p['idnumberprefix'];
        $out = [];
        foreach ($p['courses'] as $want) {
            [$course, $context] = lookup::enter($want['id']);
            $state = ['courseid' => (int)$course->id];
            if ($want['enrolments']) {
                require_capability('moodle/course:viewparticipants', $context);
                require_capability('moodle/course:enrolreview', $context);
                $state['enrolments'] = course_state::enrolments($context);
            }
            if ($want['activities']) {
                require_capability('moodle/course:manageactivities', $context);
                $state['scorms'] = course_state::scorms($course->id, $prefix);
                $state['gradeitems'] = course_state::gradeitems($course->id, $prefix);
            }
            if ($want['grades']) {
                require_capability('moodle/grade:viewall', $context);
                $state['grades'] = course_state::grades($context, $prefix);
            }
            if ($want['competencies']) {
                if (!\core_competency\api::is_enabled()) {
                    throw new \moodle_exception('competenciesarenotenabled', 'core_competency');
                }
                require_capability('moodle/competency:coursecompetencyview', $context);
                $state['competencies'] = course_state::competencies($course->id);
            }
            $out[] = $state;
        }
        return ['courses' => $out];
    }

    /**
     * Describes the result: one entry per requested course, in the order asked, with the parts asked for.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courses' => new external_multiple_structure(new external_single_structure([
                'courseid' => new external_value(PARAM_INT, 'Course id'),
                'enrolments' => new external_multiple_structure(new external_single_structure([
                    'userid' => new external_value(PARAM_INT, 'User id'),
                    'idnumber' => new external_value(PARAM_RAW, 'User idnumber'),
                    'active' => new external_value(PARAM_BOOL, 'One of the enrolments is active now'),
                    'roles' => new external_multiple_structure(
                        new external_value(PARAM_INT, 'Role id assigned in the course context')),
                ]), 'Enrolled users, by user id', VALUE_OPTIONAL),
                'scorms' => get_activities::scorms_structure(VALUE_OPTIONAL),
                'gradeitems' => get_activities::gradeitems_structure(VALUE_OPTIONAL),
                'grades' => new external_multiple_structure(new external_single_structure([
                    'userid' => new external_value(PARAM_INT, 'User id'),
                    'useridnumber' => new external_value(PARAM_RAW, 'User idnumber'),
                    'itemidnumber' => new external_value(PARAM_RAW, 'Grade item idnumber'),
                    'grade' => new external_value(PARAM_FLOAT, 'Final grade'),
                    'feedback' => new external_value(PARAM_RAW, 'Feedback as stored'),
                ]), 'Grades', VALUE_OPTIONAL),
                'competencies' => new external_multiple_structure(
                    new external_value(PARAM_RAW, 'Competency idnumber'), 'Linked competencies', VALUE_OPTIONAL),
            ])),
        ]);
    }
}
