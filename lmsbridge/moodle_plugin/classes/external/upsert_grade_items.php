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
 * local_lmsbridge_upsert_grade_items: manual grade items keyed by idnumber (one per training event).
 *
 * Core web services cannot create a manual grade item (core_grades_update_grades only knows activity items),
 * so this goes through the grade_item API as the gradebook setup page does. All items of a call are written in
 * one transaction: one bad item (say an idnumber taken by an activity) leaves the course as it was.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class upsert_grade_items extends external_api {
    /**
     * Describes the parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'items' => new external_multiple_structure(new external_single_structure([
                'idnumber' => new external_value(PARAM_RAW_TRIMMED, 'Grade item idnumber, the key (1-100 chars)'),
                'name' => new external_value(PARAM_TEXT, 'Item name shown in the gradebook'),
                'grademax' => new external_value(PARAM_FLOAT, 'Maximum grade', VALUE_DEFAULT, 100),
                'grademin' => new external_value(PARAM_FLOAT, 'Minimum grade', VALUE_DEFAULT, 0),
                'hidden' => new external_value(PARAM_BOOL, 'Hidden from learners', VALUE_DEFAULT, false),
            ]), 'Items to create or update'),
        ]);
    }

    /**
     * Creates the missing items and updates those whose name, range or visibility differ.
     *
     * @param int $courseid
     * @param array $items
     * @return array
     */
    public static function execute(int $courseid, array $items): array {
        global $CFG, $DB;
        require_once($CFG->libdir . '/gradelib.php');
        $p = self::validate_parameters(self::execute_parameters(), ['courseid' => $courseid, 'items' => $items]);
        [$course, $context] = lookup::enter($p['courseid']);
        require_capability('moodle/grade:manage', $context);

        $seen = [];
        foreach ($p['items'] as $item) {
            if ($item['idnumber'] === '' || \core_text::strlen($item['idnumber']) > 100 || isset($seen[$item['idnumber']])) {
                throw new \moodle_exception('invaliditem', 'local_lmsbridge', '', (object)['idnumber' => $item['idnumber'],
                    'reason' => 'the idnumber must be 1 to 100 characters and unique in the call']);
            }
            $seen[$item['idnumber']] = true;
            if (trim($item['name']) === '' || $item['grademax'] <= $item['grademin']) {
                throw new \moodle_exception('invaliditem', 'local_lmsbridge', '', (object)['idnumber' => $item['idnumber'],
                    'reason' => 'the name must not be empty and grademax must be above grademin']);
            }
        }

        $results = [];
        $transaction = $DB->start_delegated_transaction();
        try {
            foreach ($p['items'] as $item) {
                $results[] = self::upsert($course->id, $item);
            }
            $transaction->allow_commit();
        } catch (\Throwable $e) {
            $transaction->rollback($e);
        }
        return ['items' => $results];
    }

    /**
     * Creates or updates one item.
     *
     * @param int $courseid
     * @param array $item validated item
     * @return array result row
     */
    protected static function upsert(int $courseid, array $item): array {
        $gradeitem = lookup::manual_grade_item($courseid, $item['idnumber']);
        $hidden = $item['hidden'] ? 1 : 0;
        if (!$gradeitem) {
            $gradeitem = new \grade_item(['courseid' => $courseid, 'itemtype' => 'manual', 'idnumber' => $item['idnumber'],
                'itemname' => $item['name'], 'gradetype' => GRADE_TYPE_VALUE, 'grademax' => $item['grademax'],
                'grademin' => $item['grademin'], 'hidden' => $hidden], false);
            $gradeitem->insert('local_lmsbridge');
            $status = 'created';
        } else {
            $differs = $gradeitem->itemname !== $item['name'] || (int)$gradeitem->gradetype !== GRADE_TYPE_VALUE
                || grade_floats_different($gradeitem->grademax, $item['grademax'])
                || grade_floats_different($gradeitem->grademin, $item['grademin'])
                || (bool)$gradeitem->hidden !== (bool)$hidden;
            if ($differs) {
                $gradeitem->itemname = $item['name'];
                $gradeitem->gradetype = GRADE_TYPE_VALUE;
                $gradeitem->grademax = $item['grademax'];
                $gradeitem->grademin = $item['grademin'];
                $gradeitem->update('local_lmsbridge');
                if ((bool)$gradeitem->hidden !== (bool)$hidden) {
                    $gradeitem->set_hidden($hidden, true);
                }
                $status = 'updated';
            } else {
                $status = 'unchanged';
            }
        }
        return ['idnumber' => $item['idnumber'], 'itemid' => (int)$gradeitem->id, 'status' => $status,
            'grademin' => (float)$gradeitem->grademin, 'grademax' => (float)$gradeitem->grademax,
            'hidden' => (bool)$gradeitem->hidden];
    }

    /**
     * Describes the result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'items' => new external_multiple_structure(new external_single_structure([
                'idnumber' => new external_value(PARAM_RAW, 'Grade item idnumber'),
                'itemid' => new external_value(PARAM_INT, 'Grade item id'),
                'status' => new external_value(PARAM_ALPHA, 'created, updated or unchanged'),
                'grademin' => new external_value(PARAM_FLOAT, 'Minimum grade as stored'),
                'grademax' => new external_value(PARAM_FLOAT, 'Maximum grade as stored'),
                'hidden' => new external_value(PARAM_BOOL, 'Hidden from learners'),
            ]), 'One row per item, in the order sent'),
        ]);
    }
}
