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
 * local_lmsbridge_set_sections: names and summaries of numbered course sections, as a teacher sets them on the
 * section's edit page (course/editsection.php: moodle/course:update, course_update_section()).
 *
 * Core has no web service for a section's summary. Missing sections up to the highest asked for are created
 * (course_create_sections_if_missing), so the course has no gaps; sections not asked for, and everything in the
 * sections, are left alone, so what a teacher added by hand stays. A section whose name and summary already match
 * is not written.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class set_sections extends external_api {
    /**
     * Describes the parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'sections' => new external_multiple_structure(new external_single_structure([
                'section' => new external_value(PARAM_INT, 'Section number (1 or more)'),
                'name' => new external_value(PARAM_TEXT, 'Section name'),
                'summary' => new external_value(PARAM_RAW, 'Section summary (HTML)', VALUE_DEFAULT, ''),
            ])),
        ]);
    }

    /**
     * Sets the sections' names and summaries where they differ.
     *
     * @param int $courseid
     * @param array $sections
     * @return array
     */
    public static function execute(int $courseid, array $sections): array {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/course/lib.php');
        $p = self::validate_parameters(self::execute_parameters(), ['courseid' => $courseid,
            'sections' => $sections]);
        [$course, $context] = lookup::enter($p['courseid']);
        require_capability('moodle/course:update', $context);
        $max = (int)get_config('moodlecourse', 'maxsections') ?: 52;
        $numbers = [];
        foreach ($p['sections'] as $s) {
            if ($s['section'] < 1 || $s['section'] > $max || isset($numbers[$s['section']])) {
                throw new \moodle_exception('invalidoption', 'local_lmsbridge', '', (object)['name' => 'section',
                    'value' => $s['section'], 'allowed' => "1 to $max, each once"]);
            }
            if (trim($s['name']) === '' || \core_text::strlen($s['name']) > 255) {
                throw new \moodle_exception('invalidoption', 'local_lmsbridge', '', (object)['name' => 'name',
                    'value' => $s['name'], 'allowed' => '1 to 255 characters']);
            }
            $numbers[$s['section']] = true;
        }
        $out = [];
        if ($numbers) {
            course_create_sections_if_missing($course, range(0, max(array_keys($numbers))));
        }
        foreach ($p['sections'] as $s) {
            $section = $DB->get_record('course_sections', ['course' => $course->id, 'section' => $s['section']],
                '*', MUST_EXIST);
            $data = [];
            if ((string)$section->name !== $s['name']) {
                $data['name'] = $s['name'];
            }
            if ((string)$section->summary !== $s['summary'] || (int)$section->summaryformat !== (int)FORMAT_HTML) {
                $data['summary'] = $s['summary'];
                $data['summaryformat'] = FORMAT_HTML;
            }
            if ($data) {
                course_update_section($course, $section, $data);
            }
            $out[] = ['section' => $s['section'], 'name' => $s['name'], 'summary' => $s['summary'],
                'changed' => (bool)$data];
        }
        return ['sections' => $out];
    }

    /**
     * Describes the result: the sections as now stored, in the order asked.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'sections' => new external_multiple_structure(new external_single_structure([
                'section' => new external_value(PARAM_INT, 'Section number'),
                'name' => new external_value(PARAM_RAW, 'Name as stored'),
                'summary' => new external_value(PARAM_RAW, 'Summary as stored'),
                'changed' => new external_value(PARAM_BOOL, 'Written by this call'),
            ])),
        ]);
    }
}
