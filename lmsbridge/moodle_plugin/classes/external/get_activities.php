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
 * local_lmsbridge_get_activities: what the sync owns in one course, in one call.
 *
 * Lists the SCORM activities and the manual grade items that carry an idnumber, with the package hash and
 * revision, so that the sync uploads a package only when its content hash differs.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class get_activities extends external_api {
    /**
     * Describes the parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'idnumberprefix' => new external_value(PARAM_RAW, 'Only idnumbers that start with this (empty: all)',
                VALUE_DEFAULT, ''),
        ]);
    }

    /**
     * Lists the course's SCORM activities and manual grade items that have an idnumber.
     *
     * @param int $courseid
     * @param string $idnumberprefix
     * @return array
     */
    public static function execute(int $courseid, string $idnumberprefix = ''): array {
        $p = self::validate_parameters(self::execute_parameters(),
            ['courseid' => $courseid, 'idnumberprefix' => $idnumberprefix]);
        [$course, $context] = lookup::enter($p['courseid']);
        require_capability('moodle/course:manageactivities', $context);

        return ['courseid' => (int)$course->id, 'scorms' => course_state::scorms($course->id, $p['idnumberprefix']),
            'gradeitems' => course_state::gradeitems($course->id, $p['idnumberprefix'])];
    }

    /**
     * Describes the result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'scorms' => self::scorms_structure(),
            'gradeitems' => self::gradeitems_structure(),
        ]);
    }

    /**
     * Describes a list of SCORM activities (shared with read_courses).
     *
     * @param int $required VALUE_REQUIRED, or VALUE_OPTIONAL where the list is returned only on request
     * @return external_multiple_structure
     */
    public static function scorms_structure(int $required = VALUE_REQUIRED): external_multiple_structure {
        return new external_multiple_structure(new external_single_structure([
            'idnumber' => new external_value(PARAM_RAW, 'Activity idnumber'),
            'cmid' => new external_value(PARAM_INT, 'Course module id'),
            'instance' => new external_value(PARAM_INT, 'SCORM instance id'),
            'section' => new external_value(PARAM_INT, 'Section number'),
            'name' => new external_value(PARAM_TEXT, 'Activity name'),
            'visible' => new external_value(PARAM_BOOL, 'Shown to learners'),
            'sha1hash' => new external_value(PARAM_ALPHANUM, 'SHA-1 of the package zip'),
            'revision' => new external_value(PARAM_INT, 'Package revision'),
            'version' => new external_value(PARAM_TEXT, 'SCORM_1.2, SCORM_1.3 or AICC'),
            'packagefilename' => new external_value(PARAM_FILE, 'File name of the package'),
        ]), '', $required);
    }

    /**
     * Describes a list of manual grade items (shared with read_courses).
     *
     * @param int $required VALUE_REQUIRED, or VALUE_OPTIONAL where the list is returned only on request
     * @return external_multiple_structure
     */
    public static function gradeitems_structure(int $required = VALUE_REQUIRED): external_multiple_structure {
        return new external_multiple_structure(new external_single_structure([
            'idnumber' => new external_value(PARAM_RAW, 'Grade item idnumber'),
            'itemid' => new external_value(PARAM_INT, 'Grade item id'),
            'name' => new external_value(PARAM_TEXT, 'Item name'),
            'grademin' => new external_value(PARAM_FLOAT, 'Minimum grade'),
            'grademax' => new external_value(PARAM_FLOAT, 'Maximum grade'),
            'hidden' => new external_value(PARAM_BOOL, 'Hidden from learners'),
        ]), '', $required);
    }
}
