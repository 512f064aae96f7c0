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

namespace local_lmsbridge\privacy;

use core_privacy\local\metadata\collection;
use core_privacy\local\request\approved_contextlist;
use core_privacy\local\request\approved_userlist;
use core_privacy\local\request\contextlist;
use core_privacy\local\request\userlist;
use core_privacy\local\request\writer;

/**
 * Privacy provider: the plugin's own data is the certificates lmsbridge published (local_lmsbridge_cert), kept
 * in the system context; grades it sets are the gradebook's, SCORM activities the course's.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class provider implements
        \core_privacy\local\metadata\provider,
        \core_privacy\local\request\core_userlist_provider,
        \core_privacy\local\request\plugin\provider {

    /**
     * The personal data the plugin stores.
     *
     * @param collection $collection
     * @return collection
     */
    public static function get_metadata(collection $collection): collection {
        $collection->add_database_table('local_lmsbridge_cert', [
            'userid' => 'privacy:metadata:cert:userid',
            'fullname' => 'privacy:metadata:cert:fullname',
            'number' => 'privacy:metadata:cert:number',
            'programme' => 'privacy:metadata:cert:programme',
            'issued' => 'privacy:metadata:cert:issued',
            'revoked' => 'privacy:metadata:cert:revoked',
        ], 'privacy:metadata:cert');
        $collection->add_subsystem_link('core_files', [], 'privacy:metadata:core_files');
        return $collection;
    }

    /**
     * The system context, when the user has a certificate.
     *
     * @param int $userid
     * @return contextlist
     */
    public static function get_contexts_for_userid(int $userid): contextlist {
        global $DB;
        $contextlist = new contextlist();
        if ($DB->record_exists('local_lmsbridge_cert', ['userid' => $userid])) {
            $contextlist->add_system_context();
        }
        return $contextlist;
    }

    /**
     * The users with a certificate (system context only).
     *
     * @param userlist $userlist
     */
    public static function get_users_in_context(userlist $userlist) {
        if ($userlist->get_context()->contextlevel == CONTEXT_SYSTEM) {
            $userlist->add_from_sql('userid', 'SELECT userid FROM {local_lmsbridge_cert}', []);
        }
    }

    /**
     * Exports the user's certificates.
     *
     * @param approved_contextlist $contextlist
     */
    public static function export_user_data(approved_contextlist $contextlist) {
        global $DB;
        foreach ($contextlist->get_contexts() as $context) {
            if ($context->contextlevel != CONTEXT_SYSTEM) {
                continue;
            }
            $rows = $DB->get_records('local_lmsbridge_cert', ['userid' => $contextlist->get_user()->id], 'number',
                'number, fullname, title, programme, issuer, issued, completed, revoked, revokedon, reason');
            if ($rows) {
                writer::with_context($context)->export_data([get_string('pluginname', 'local_lmsbridge')],
                    (object)['certificates' => array_values($rows)]);
            }
        }
    }

    /**
     * Deletes every certificate record (the system context).
     *
     * @param \context $context
     */
    public static function delete_data_for_all_users_in_context(\context $context) {
        global $DB;
        if ($context->contextlevel == CONTEXT_SYSTEM) {
            get_file_storage()->delete_area_files($context->id, 'local_lmsbridge', 'certificate');
            $DB->delete_records('local_lmsbridge_cert');
        }
    }

    /**
     * Deletes the user's certificate records.
     *
     * @param approved_contextlist $contextlist
     */
    public static function delete_data_for_user(approved_contextlist $contextlist) {
        global $DB;
        foreach ($contextlist->get_contexts() as $context) {
            if ($context->contextlevel == CONTEXT_SYSTEM) {
                self::delete_pdfs($context, 'userid = ?', [$contextlist->get_user()->id]);
                $DB->delete_records('local_lmsbridge_cert', ['userid' => $contextlist->get_user()->id]);
            }
        }
    }

    /**
     * Deletes the certificate records of these users.
     *
     * @param approved_userlist $userlist
     */
    public static function delete_data_for_users(approved_userlist $userlist) {
        global $DB;
        if ($userlist->get_context()->contextlevel == CONTEXT_SYSTEM && $userlist->get_userids()) {
            [$in, $params] = $DB->get_in_or_equal($userlist->get_userids());
            self::delete_pdfs($userlist->get_context(), "userid $in", $params);
            $DB->delete_records_select('local_lmsbridge_cert', "userid $in", $params);
        }
    }

    /**
     * Deletes the PDFs (filearea certificate) of the certificate records selected.
     *
     * @param \context $context the system context
     * @param string $select
     * @param array $params
     */
    private static function delete_pdfs(\context $context, string $select, array $params): void {
        global $DB;
        $fs = get_file_storage();
        foreach ($DB->get_fieldset_select('local_lmsbridge_cert', 'id', $select, $params) as $id) {
            $fs->delete_area_files($context->id, 'local_lmsbridge', 'certificate', $id);
        }
    }
}
