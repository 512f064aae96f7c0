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
 * Reads what the sync manages in a course, each part in one query, so that one web-service call can return the
 * state of many courses (core needs a call per course and per kind: enrolled users, grades, competencies).
 *
 * Each part gives what the matching core function gives to a user allowed to see everything, minus display
 * formatting: enrolled users as core_enrol_get_enrolled_users (all enrolment methods; "active" as its onlyactive
 * option), grades as gradereport_user_get_grade_items' graderaw (the final grade), linked competencies as
 * core_competency_list_course_competencies.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class course_state {
    /**
     * The SCORM activities with an idnumber starting with the prefix, by section then creation.
     *
     * @param int $courseid
     * @param string $prefix
     * @return array[]
     */
    public static function scorms(int $courseid, string $prefix): array {
        global $DB;
        $sql = "SELECT cm.id AS cmid, cm.idnumber, cm.visible, cs.section, s.id AS instance, s.name, s.sha1hash,
                       s.revision, s.version, s.reference
                  FROM {course_modules} cm
                  JOIN {modules} m ON m.id = cm.module AND m.name = 'scorm'
                  JOIN {scorm} s ON s.id = cm.instance
                  JOIN {course_sections} cs ON cs.id = cm.section
                 WHERE cm.course = :course AND cm.deletioninprogress = 0 AND cm.idnumber <> ''
                       AND " . $DB->sql_like('cm.idnumber', ':prefix') . "
              ORDER BY cs.section, cm.id";
        $out = [];
        foreach ($DB->get_records_sql($sql, ['course' => $courseid, 'prefix' => self::like($prefix)]) as $r) {
            $out[] = [
                'idnumber' => $r->idnumber, 'cmid' => (int)$r->cmid, 'instance' => (int)$r->instance,
                'section' => (int)$r->section, 'name' => $r->name, 'visible' => (bool)$r->visible,
                'sha1hash' => (string)$r->sha1hash, 'revision' => (int)$r->revision, 'version' => (string)$r->version,
                'packagefilename' => (string)$r->reference,
            ];
        }
        return $out;
    }

    /**
     * The manual grade items with an idnumber starting with the prefix, in gradebook order.
     *
     * @param int $courseid
     * @param string $prefix
     * @return array[]
     */
    public static function gradeitems(int $courseid, string $prefix): array {
        global $DB;
        $sql = "SELECT id, idnumber, itemname, grademin, grademax, hidden
                  FROM {grade_items}
                 WHERE courseid = :course AND itemtype = 'manual' AND idnumber <> ''
                       AND " . $DB->sql_like('idnumber', ':prefix') . "
              ORDER BY sortorder, id";
        $out = [];
        foreach ($DB->get_records_sql($sql, ['course' => $courseid, 'prefix' => self::like($prefix)]) as $r) {
            $out[] = [
                'idnumber' => $r->idnumber, 'itemid' => (int)$r->id, 'name' => (string)$r->itemname,
                'grademin' => (float)$r->grademin, 'grademax' => (float)$r->grademax, 'hidden' => (bool)$r->hidden,
            ];
        }
        return $out;
    }

    /**
     * Every enrolled user (any method, any status) with the roles assigned in the course context, by user id.
     *
     * "active" is true when one of the user's enrolments is active now, as get_enrolled_join() decides it
     * (enrolment and method enabled, started, not ended; "now" rounded as core rounds it).
     *
     * The idnumber is given only to a caller who may see it (idnumbers_visible()), as core gives it.
     *
     * @param \context_course $context
     * @return array[]
     */
    public static function enrolments(\context_course $context): array {
        global $DB, $USER;
        $visible = self::idnumbers_visible($context);
        $now = round(time(), -2);
        $sql = "SELECT u.id, u.idnumber,
                       MAX(CASE WHEN ue.status = :active AND e.status = :enabled AND ue.timestart < :now1
                                     AND (ue.timeend = 0 OR ue.timeend > :now2) THEN 1 ELSE 0 END) AS isactive
                  FROM {user_enrolments} ue
                  JOIN {enrol} e ON e.id = ue.enrolid AND e.courseid = :course
                  JOIN {user} u ON u.id = ue.userid AND u.deleted = 0
              GROUP BY u.id, u.idnumber
              ORDER BY u.id";
        $users = $DB->get_records_sql($sql, ['active' => ENROL_USER_ACTIVE, 'enabled' => ENROL_INSTANCE_ENABLED,
            'now1' => $now, 'now2' => $now, 'course' => $context->instanceid]);
        $roles = [];
        $rs = $DB->get_recordset('role_assignments', ['contextid' => $context->id], 'userid, roleid', 'id, userid, roleid');
        foreach ($rs as $ra) {
            $roles[$ra->userid][(int)$ra->roleid] = (int)$ra->roleid;
        }
        $rs->close();
        $out = [];
        foreach ($users as $u) {
            $idnumber = ($visible || $u->id == $USER->id) ? (string)$u->idnumber : '';
            $out[] = ['userid' => (int)$u->id, 'idnumber' => $idnumber, 'active' => (bool)$u->isactive,
                'roles' => array_values($roles[$u->id] ?? [])];
        }
        return $out;
    }

    /**
     * The final grades (not empty) in the items whose idnumber starts with the prefix (manual items and
     * activities alike), with the feedback as stored, of the users who have an idnumber (a participant's is the
     * roster's, without the prefix).
     *
     * A caller who may not see users' idnumbers (idnumbers_visible()) gets every user's grades with an empty
     * useridnumber: filtering on a value they may not see would tell it to them.
     *
     * @param \context_course $context
     * @param string $prefix
     * @return array[]
     */
    public static function grades(\context_course $context, string $prefix): array {
        global $DB, $USER;
        $visible = self::idnumbers_visible($context);
        $byuser = $visible ? "AND u.idnumber <> ''" : '';
        $sql = "SELECT gg.id, u.id AS userid, u.idnumber AS useridnumber, gi.idnumber AS itemidnumber,
                       gg.finalgrade, gg.feedback
                  FROM {grade_items} gi
                  JOIN {grade_grades} gg ON gg.itemid = gi.id
                  JOIN {user} u ON u.id = gg.userid AND u.deleted = 0
                 WHERE gi.courseid = :course AND gi.idnumber <> ''
                       AND gg.finalgrade IS NOT NULL
                       AND " . $DB->sql_like('gi.idnumber', ':prefix1') . "
                       $byuser
              ORDER BY u.id, gi.sortorder, gi.id";
        $like = self::like($prefix);
        $params = ['course' => $context->instanceid, 'prefix1' => $like];
        $out = [];
        foreach ($DB->get_records_sql($sql, $params) as $r) {
            $out[] = ['userid' => (int)$r->userid,
                'useridnumber' => ($visible || $r->userid == $USER->id) ? (string)$r->useridnumber : '',
                'itemidnumber' => $r->itemidnumber, 'grade' => (float)$r->finalgrade,
                'feedback' => (string)$r->feedback];
        }
        return $out;
    }

    /**
     * Whether the caller may see users' idnumbers in this course, decided as core_enrol_get_enrolled_users
     * decides it (user_get_user_details()): idnumber is one of the identity fields shown to the caller
     * (site setting showuseridentity, capability moodle/site:viewuseridentity, hidden fields), or the caller
     * has moodle/user:viewalldetails. (Everyone sees their own.)
     *
     * @param \context_course $context
     * @return bool
     */
    public static function idnumbers_visible(\context_course $context): bool {
        return in_array('idnumber', \core_user\fields::get_identity_fields($context, false), true)
            || has_capability('moodle/user:viewalldetails', $context);
    }

    /**
     * The idnumbers of the competencies linked to the course, in the course's order.
     *
     * @param int $courseid
     * @return string[]
     */
    public static function competencies(int $courseid): array {
        global $DB;
        $sql = "SELECT cc.id, c.idnumber
                  FROM {competency_coursecomp} cc
                  JOIN {competency} c ON c.id = cc.competencyid
                 WHERE cc.courseid = :course
              ORDER BY cc.sortorder, cc.id";
        return array_values(array_map(fn($r) => (string)$r->idnumber,
            $DB->get_records_sql($sql, ['course' => $courseid])));
    }

    /**
     * A LIKE pattern for "starts with" (the prefix's own % and _ escaped).
     *
     * @param string $prefix
     * @return string
     */
    private static function like(string $prefix): string {
        global $DB;
        return $DB->sql_like_escape($prefix) . '%';
    }
}
