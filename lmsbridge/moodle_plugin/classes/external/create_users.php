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
use local_lmsbridge\local\cache_flags;

/**
 * local_lmsbridge_create_users: many accounts in one transaction, as the user upload tool creates them.
 *
 * core_user_create_users with createpassword hashes a password (10,000 rounds) and mails it for every account
 * before it answers; the upload tool (admin/tool/uploaduser) sets the create_password preference instead and
 * leaves both to cron (send_new_user_passwords_task, which hashes with the low cost factor). This function does
 * the same. It checks each row as core_user_create_users does (moodle/user:create; username, names, e-mail, auth,
 * language) and answers per row, in order: a bad row gets an error code and message and is not created, the other
 * rows are. Requires moodle/user:create.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class create_users extends external_api {
    /** Optional profile fields copied as given (trimmed to their column's length by Moodle's cleaning). */
    private const OPTIONAL = ['idnumber' => PARAM_RAW, 'country' => PARAM_ALPHA, 'institution' => PARAM_TEXT,
        'department' => PARAM_TEXT];

    /**
     * Describes the parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        $fields = [
            // Raw, checked per row below: a bad username fails its row, not the call.
            'username' => new external_value(PARAM_RAW, 'Username (lower case, as PARAM_USERNAME keeps it)'),
            'firstname' => new external_value(PARAM_NOTAGS, 'First name'),
            'lastname' => new external_value(PARAM_NOTAGS, 'Last name'),
            'email' => new external_value(PARAM_RAW_TRIMMED, 'E-mail address'),
            'auth' => new external_value(PARAM_RAW, 'Authentication method', VALUE_DEFAULT, 'manual'),
            'lang' => new external_value(PARAM_RAW, 'Language code (default: the site\'s)', VALUE_DEFAULT, ''),
            'createpassword' => new external_value(PARAM_BOOL, '1: cron makes a password and mails it (internal '
                . 'authentication needs it)', VALUE_DEFAULT, 0),
        ];
        foreach (self::OPTIONAL as $name => $type) {
            $fields[$name] = new external_value($type, $name, VALUE_DEFAULT, '');
        }
        return new external_function_parameters([
            'users' => new external_multiple_structure(new external_single_structure($fields)),
        ]);
    }

    /**
     * Checks every row, then creates the good ones in one transaction.
     *
     * @param array $users
     * @return array one result per row, in order
     */
    public static function execute(array $users): array {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/user/lib.php');
        $context = \context_system::instance();
        self::validate_context($context);
        require_capability('moodle/user:create', $context);
        $p = self::validate_parameters(self::execute_parameters(), ['users' => $users]);

        $auths = \core_component::get_plugin_list('auth');
        unset($auths['mnet'], $auths['webservice']);  // As core_user_create_users.
        $langs = get_string_manager()->get_list_of_translations();
        $rows = $p['users'];
        // What the site has already, in two queries for the whole call (core asks per row).
        $taken = self::existing('username', array_column($rows, 'username'), false);
        $takenemails = empty($CFG->allowaccountssameemail)
            ? self::existing('email', array_column($rows, 'email'), true) : [];

        $results = [];
        $good = [];
        foreach ($rows as $i => $row) {
            $error = self::check($row, $auths, $langs, $taken, $takenemails);
            $results[$i] = ['id' => 0, 'username' => $row['username'], 'errorcode' => $error ? 'invalidparameter' : '',
                'message' => $error];
            if (!$error) {
                $good[$i] = $row;
                $taken[$row['username']] = true;  // A later row of the same call is a duplicate.
                $takenemails[\core_text::strtolower($row['email'])] = true;
            }
        }

        $transaction = $DB->start_delegated_transaction();
        $passwords = [];  // The new accounts with internal authentication: cron makes their passwords.
        foreach ($good as $i => $row) {
            $internal = get_auth_plugin($row['auth'])->is_internal();
            $user = [
                'username' => $row['username'], 'firstname' => $row['firstname'], 'lastname' => $row['lastname'],
                'email' => $row['email'], 'auth' => $row['auth'], 'lang' => $row['lang'] !== '' ? $row['lang'] : $CFG->lang,
                'confirmed' => 1, 'mnethostid' => $CFG->mnet_localhost_id,
                // As the upload tool: cron replaces this with a hashed password (not a valid hash: no login until).
                'password' => $internal ? 'to be generated' : AUTH_PASSWORD_NOT_CACHED,
            ];
            foreach (array_keys(self::OPTIONAL) as $name) {
                if ($row[$name] !== '') {
                    $user[$name] = $row[$name];
                }
            }
            $results[$i]['id'] = (int)user_create_user($user, false, false);
            if ($internal) {
                $passwords[] = $results[$i]['id'];
            }
        }
        // set_user_preference('create_password', 1) for all of them in one insert (the accounts are new: no
        // preference or session of theirs exists yet), then the events, as the upload tool does after it.
        $DB->insert_records('user_preferences', array_map(fn(int $id) => (object)['userid' => $id,
            'name' => 'create_password', 'value' => '1'], $passwords));
        cache_flags::set_many('userpreferenceschanged', $passwords, '1', time() + $CFG->sessiontimeout);
        foreach ($good as $i => $row) {
            \core\event\user_created::create_from_userid($results[$i]['id'])->trigger();
        }
        $transaction->allow_commit();
        return array_values($results);
    }

    /**
     * Why a row cannot be created, in core_user_create_users' words ('' = it can).
     *
     * @param array $row
     * @param array $auths
     * @param array $langs
     * @param array $taken usernames in use
     * @param array $takenemails lower-case e-mail addresses in use (empty when the site allows shared ones)
     * @return string
     */
    private static function check(array $row, array $auths, array $langs, array $taken, array $takenemails): string {
        global $CFG;
        foreach (['username', 'firstname', 'lastname'] as $field) {
            if (trim($row[$field]) === '') {
                return 'The field ' . $field . ' cannot be blank';
            }
        }
        if (clean_param($row['username'], PARAM_USERNAME) !== $row['username']) {
            return 'Invalid username: ' . $row['username'];
        }
        if (isset($taken[$row['username']])) {
            return 'Username already exists: ' . $row['username'];
        }
        if (empty($auths[$row['auth']])) {
            return 'Invalid authentication type: ' . $row['auth'];
        }
        if ($row['lang'] !== '' && empty($langs[$row['lang']])) {
            return 'Invalid language code: ' . $row['lang'];
        }
        if (get_auth_plugin($row['auth'])->is_internal() && empty($row['createpassword'])) {
            return 'Invalid password: you must provide a password, or set createpassword.';
        }
        if (!validate_email($row['email'])) {
            return 'Email address is invalid: ' . $row['email'];
        }
        if (isset($takenemails[\core_text::strtolower($row['email'])])) {
            return 'Email address already exists: ' . $row['email'];
        }
        return '';
    }

    /**
     * Which of these values the site's accounts use already (deleted ones included, as core checks).
     *
     * @param string $field username or email
     * @param array $values
     * @param bool $lower compare case-insensitively (e-mail, as core does)
     * @return array value (lower case with $lower) => true
     */
    private static function existing(string $field, array $values, bool $lower): array {
        global $CFG, $DB;
        $out = [];
        foreach (array_chunk(array_values(array_unique($values)), 1000) as $chunk) {
            if ($lower) {
                $chunk = array_map('core_text::strtolower', $chunk);
                [$in, $params] = $DB->get_in_or_equal($chunk, SQL_PARAMS_NAMED);
                $select = 'LOWER(' . $field . ') ' . $in;
            } else {
                [$in, $params] = $DB->get_in_or_equal($chunk, SQL_PARAMS_NAMED);
                $select = $field . ' ' . $in;
            }
            $params['mnethostid'] = $CFG->mnet_localhost_id;
            foreach ($DB->get_fieldset_select('user', $field, $select . ' AND mnethostid = :mnethostid', $params) as $v) {
                $out[$lower ? \core_text::strtolower($v) : $v] = true;
            }
        }
        return $out;
    }

    /**
     * Describes the result: one entry per row, in the order sent.
     *
     * @return external_multiple_structure
     */
    public static function execute_returns(): external_multiple_structure {
        return new external_multiple_structure(new external_single_structure([
            'id' => new external_value(PARAM_INT, 'New user id (0 = not created: see errorcode and message)'),
            'username' => new external_value(PARAM_RAW, 'Username as sent'),
            'errorcode' => new external_value(PARAM_ALPHANUMEXT, '"" or invalidparameter'),
            'message' => new external_value(PARAM_RAW, 'Why the row was not created, as core_user_create_users says'),
        ]));
    }
}
