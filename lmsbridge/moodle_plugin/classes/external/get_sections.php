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
 * local_lmsbridge_get_sections: the numbered sections of many courses, name and summary as stored.
 *
 * core_course_get_contents shows them formatted for display ("New section" for a section without a name, the
 * summary filtered), one course per call; the sync compares what is stored. Requires moodle/course:update.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class get_sections extends external_api {
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
     * Reads the sections of each course.
     *
     * @param array $courseids
     * @return array
     */
    public static function execute(array $courseids): array {
        global $DB;
        $p = self::validate_parameters(self::execute_parameters(), ['courseids' => $courseids]);
        $out = [];
        foreach ($p['courseids'] as $id) {
            [$course, $context] = lookup::enter($id);
            require_capability('moodle/course:update', $context);
            $sections = [];
            foreach ($DB->get_records('course_sections', ['course' => $course->id], 'section') as $s) {
                $sections[] = ['section' => (int)$s->section, 'name' => (string)$s->name,
                    'summary' => (string)$s->summary];
            }
            $out[] = ['courseid' => (int)$course->id, 'sections' => $sections];
        }
        return ['courses' => $out];
    }

    /**
     * Describes the result: one entry per course, in the order asked.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courses' => new external_multiple_structure(new external_single_structure([
                'courseid' => new external_value(PARAM_INT, 'Course id'),
                'sections' => new external_multiple_structure(new external_single_structure([
                    'section' => new external_value(PARAM_INT, 'Section number'),
                    'name' => new external_value(PARAM_RAW, 'Name as stored ("" = the format\'s default name)'),
                    'summary' => new external_value(PARAM_RAW, 'Summary as stored'),
                ])),
            ])),
        ]);
    }
}
