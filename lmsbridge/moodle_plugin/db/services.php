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

/**
 * Web-service functions of local_lmsbridge.
 *
 * No pre-built service: the functions are listed in the database like core's, so an administrator adds them to
 * the custom external service that holds the sync user's other (core) functions; one token then serves all.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$functions = [
    'local_lmsbridge_upsert_scorm' => [
        'classname' => 'local_lmsbridge\external\upsert_scorm',
        'description' => 'Create a SCORM activity from an uploaded package, or replace its package and settings, '
            . 'keyed by the activity idnumber.',
        'type' => 'write',
        'capabilities' => 'moodle/course:manageactivities, mod/scorm:addinstance, moodle/course:activityvisibility',
    ],
    'local_lmsbridge_get_activities' => [
        'classname' => 'local_lmsbridge\external\get_activities',
        'description' => 'List the SCORM activities and manual grade items of a course that have an idnumber, '
            . 'with package hash and revision.',
        'type' => 'read',
        'capabilities' => 'moodle/course:manageactivities',
    ],
    'local_lmsbridge_read_courses' => [
        'classname' => 'local_lmsbridge\external\read_courses',
        'description' => 'For many courses in one call: enrolled users with roles and status, SCORM activities and '
            . 'grade items, grades, linked competencies (each part on request).',
        'type' => 'read',
        'capabilities' => 'moodle/course:viewparticipants, moodle/course:enrolreview, moodle/course:manageactivities, '
            . 'moodle/grade:viewall, moodle/competency:coursecompetencyview',
    ],
    'local_lmsbridge_upsert_grade_items' => [
        'classname' => 'local_lmsbridge\external\upsert_grade_items',
        'description' => 'Create or update manual grade items of a course, keyed by idnumber.',
        'type' => 'write',
        'capabilities' => 'moodle/grade:manage',
    ],
    'local_lmsbridge_set_grades' => [
        'classname' => 'local_lmsbridge\external\set_grades',
        'description' => 'Set grades with feedback on a manual grade item for many enrolled learners; '
            . 'one result per learner.',
        'type' => 'write',
        'capabilities' => 'moodle/grade:edit',
    ],
    'local_lmsbridge_check_capabilities' => [
        'classname' => 'local_lmsbridge\external\check_capabilities',
        'description' => 'Which of the given capabilities the calling user has in the system context '
            . '(for lmsbridge doctor).',
        'type' => 'read',
        'capabilities' => '',
    ],
    'local_lmsbridge_publish_certificates' => [
        'classname' => 'local_lmsbridge\external\publish_certificates',
        'description' => 'Create or update the programme certificates lmsbridge issued (number, code, learner, '
            . 'revocation), shown by the public verification page local/lmsbridge/v.php.',
        'type' => 'write',
        'capabilities' => 'moodle/badges:awardbadge',
    ],
    'local_lmsbridge_set_completion' => [
        'classname' => 'local_lmsbridge\external\set_completion',
        'description' => 'Set a course\'s completion criteria to "all of these activities complete", as the course '
            . 'completion settings page does; idempotent.',
        'type' => 'write',
        'capabilities' => 'moodle/course:update',
    ],
    'local_lmsbridge_get_completion' => [
        'classname' => 'local_lmsbridge\external\get_completion',
        'description' => 'The course completion criteria of many courses (activity criteria by idnumber).',
        'type' => 'read',
        'capabilities' => 'moodle/course:update',
    ],
    'local_lmsbridge_set_sections' => [
        'classname' => 'local_lmsbridge\external\set_sections',
        'description' => 'Set names and summaries of numbered course sections (missing ones up to the highest are '
            . 'created); other sections and their contents are left alone.',
        'type' => 'write',
        'capabilities' => 'moodle/course:update',
    ],
    'local_lmsbridge_get_sections' => [
        'classname' => 'local_lmsbridge\external\get_sections',
        'description' => 'The numbered sections of many courses, name and summary as stored.',
        'type' => 'read',
        'capabilities' => 'moodle/course:update',
    ],
    'local_lmsbridge_store_certificate_pdf' => [
        'classname' => 'local_lmsbridge\external\store_certificate_pdf',
        'description' => 'Store the printable certificate (PDF, from the caller\'s draft area) of a published '
            . 'certificate, for its learner to download.',
        'type' => 'write',
        'capabilities' => 'moodle/badges:awardbadge',
    ],
    'local_lmsbridge_create_users' => [
        'classname' => 'local_lmsbridge\external\create_users',
        'description' => 'Create many accounts in one transaction as the user upload tool does (cron makes and mails '
            . 'the passwords), with core_user_create_users\' checks; one result per row.',
        'type' => 'write',
        'capabilities' => 'moodle/user:create',
    ],
    'local_lmsbridge_enrol_users' => [
        'classname' => 'local_lmsbridge\external\enrol_users',
        'description' => 'enrol_manual_enrol_users with its checks made once per course instead of once per row.',
        'type' => 'write',
        'capabilities' => 'enrol/manual:enrol, moodle/role:assign',
    ],
    'local_lmsbridge_add_cohort_members' => [
        'classname' => 'local_lmsbridge\external\add_cohort_members',
        'description' => 'core_cohort_add_cohort_members with its look-ups and checks made once per call instead of '
            . 'once per row.',
        'type' => 'write',
        'capabilities' => 'moodle/cohort:assign',
    ],
    'local_lmsbridge_get_users' => [
        'classname' => 'local_lmsbridge\external\get_users',
        'description' => 'Accounts by idnumber, username, e-mail or id, many in one query (the fields a sync '
            . 'compares).',
        'type' => 'read',
        'capabilities' => 'moodle/user:viewalldetails, moodle/site:viewuseridentity',
    ],
];
