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
        global $DB;
        $p = self::validate_parameters(self::execute_parameters(),
            ['courseid' => $courseid, 'idnumberprefix' => $idnumberprefix]);
        $course = lookup::course($p['courseid']);
        $context = \context_course::instance($course->id);
        self::validate_context($context);
        require_capability('moodle/course:manageactivities', $context);

        $prefix = $DB->sql_like_escape($p['idnumberprefix']) . '%';
        $sql = "SELECT cm.id AS cmid, cm.idnumber, cm.visible, cs.section, s.id AS instance, s.name, s.sha1hash,
                       s.revision, s.version, s.reference
                  FROM {course_modules} cm
                  JOIN {modules} m ON m.id = cm.module AND m.name = 'scorm'
                  JOIN {scorm} s ON s.id = cm.instance
                  JOIN {course_sections} cs ON cs.id = cm.section
                 WHERE cm.course = :course AND cm.deletioninprogress = 0 AND cm.idnumber <> ''
                       AND " . $DB->sql_like('cm.idnumber', ':prefix') . "
              ORDER BY cs.section, cm.id";
        $scorms = [];
        foreach ($DB->get_records_sql($sql, ['course' => $course->id, 'prefix' => $prefix]) as $r) {
            $scorms[] = [
                'idnumber' => $r->idnumber, 'cmid' => (int)$r->cmid, 'instance' => (int)$r->instance,
                'section' => (int)$r->section, 'name' => $r->name, 'visible' => (bool)$r->visible,
                'sha1hash' => (string)$r->sha1hash, 'revision' => (int)$r->revision, 'version' => (string)$r->version,
                'packagefilename' => (string)$r->reference,
            ];
        }
        $sql = "SELECT id, idnumber, itemname, grademin, grademax, hidden
                  FROM {grade_items}
                 WHERE courseid = :course AND itemtype = 'manual' AND idnumber <> ''
                       AND " . $DB->sql_like('idnumber', ':prefix') . "
              ORDER BY sortorder, id";
        $items = [];
        foreach ($DB->get_records_sql($sql, ['course' => $course->id, 'prefix' => $prefix]) as $r) {
            $items[] = [
                'idnumber' => $r->idnumber, 'itemid' => (int)$r->id, 'name' => (string)$r->itemname,
                'grademin' => (float)$r->grademin, 'grademax' => (float)$r->grademax, 'hidden' => (bool)$r->hidden,
            ];
        }
        return ['courseid' => (int)$course->id, 'scorms' => $scorms, 'gradeitems' => $items];
    }

    /**
     * Describes the result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'scorms' => new external_multiple_structure(new external_single_structure([
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
            ])),
            'gradeitems' => new external_multiple_structure(new external_single_structure([
                'idnumber' => new external_value(PARAM_RAW, 'Grade item idnumber'),
                'itemid' => new external_value(PARAM_INT, 'Grade item id'),
                'name' => new external_value(PARAM_TEXT, 'Item name'),
                'grademin' => new external_value(PARAM_FLOAT, 'Minimum grade'),
                'grademax' => new external_value(PARAM_FLOAT, 'Maximum grade'),
                'hidden' => new external_value(PARAM_BOOL, 'Hidden from learners'),
            ])),
        ]);
    }
}
