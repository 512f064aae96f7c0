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

namespace local_lmsbridge\local;

/**
 * Finds the course modules and grade items that the sync owns, by idnumber.
 *
 * Course-module and grade-item idnumbers share one namespace per course (see grade_verify_idnumber()), so a
 * lookup of one kind also has to look at the other to refuse a clash.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class lookup {
    /**
     * The live course module with this idnumber in the course, or null.
     *
     * @param int $courseid
     * @param string $idnumber
     * @return \stdClass|null course_modules record with modname
     * @throws \moodle_exception idnumberduplicate when several modules carry the idnumber
     */
    public static function course_module(int $courseid, string $idnumber): ?\stdClass {
        global $DB;
        $sql = "SELECT cm.*, m.name AS modname
                  FROM {course_modules} cm
                  JOIN {modules} m ON m.id = cm.module
                 WHERE cm.course = :course AND cm.idnumber = :idnumber AND cm.deletioninprogress = 0";
        $records = $DB->get_records_sql($sql, ['course' => $courseid, 'idnumber' => $idnumber]);
        if (count($records) > 1) {
            throw new \moodle_exception('idnumberduplicate', 'local_lmsbridge', '',
                (object)['idnumber' => $idnumber, 'count' => count($records)]);
        }
        return $records ? reset($records) : null;
    }

    /**
     * The manual grade item with this idnumber in the course, or null.
     *
     * @param int $courseid
     * @param string $idnumber
     * @return \grade_item|null
     * @throws \moodle_exception idnumbertaken when the idnumber belongs to another kind of item or to a module
     */
    public static function manual_grade_item(int $courseid, string $idnumber): ?\grade_item {
        global $CFG, $DB;
        require_once($CFG->libdir . '/gradelib.php');
        $items = \grade_item::fetch_all(['courseid' => $courseid, 'idnumber' => $idnumber]) ?: [];
        $manual = array_filter($items, fn($i) => $i->itemtype === 'manual');
        if (count($items) > count($manual) || (!$manual && self::course_module($courseid, $idnumber))) {
            throw new \moodle_exception('idnumbertaken', 'local_lmsbridge', '', $idnumber);
        }
        if (count($manual) > 1) {
            throw new \moodle_exception('idnumberduplicate', 'local_lmsbridge', '',
                (object)['idnumber' => $idnumber, 'count' => count($manual)]);
        }
        return $manual ? reset($manual) : null;
    }

    /**
     * The course and its context, once the caller is known to be allowed in: validate_context() done.
     *
     * "Does not exist" and "exists but you cannot enter it" answer alike (coursenotfound), so a token of one
     * course learns nothing of the others, not even whether an id is taken. The site course is no course here.
     *
     * @param int $courseid
     * @return array [\stdClass $course, \context_course $context]
     * @throws \moodle_exception coursenotfound
     */
    public static function enter(int $courseid): array {
        global $DB;
        $course = $courseid == SITEID ? null : $DB->get_record('course', ['id' => $courseid]);
        if (!$course) {
            throw new \moodle_exception('coursenotfound', 'local_lmsbridge', '', $courseid);
        }
        $context = \context_course::instance($course->id);
        try {
            \core_external\external_api::validate_context($context);
        } catch (\moodle_exception $e) {
            // require_login() refused (requireloginerror), or the token is restricted to another context.
            $refused = in_array($e->errorcode, ['requireloginerror', 'errorcoursecontextnotvalid'], true)
                || $e instanceof \core_external\restricted_context_exception;
            if (!$refused) {
                throw $e;
            }
            throw new \moodle_exception('coursenotfound', 'local_lmsbridge', '', $courseid);
        }
        return [$course, $context];
    }
}
