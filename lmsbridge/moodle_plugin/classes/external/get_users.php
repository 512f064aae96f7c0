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

/**
 * local_lmsbridge_get_users: accounts by idnumber, username, e-mail or id, many in one query.
 *
 * What core_user_get_users_by_field answers for a caller who may see every account's details, without its
 * per-account work (it builds each user's full profile with its courses, preferences and custom fields: about
 * fifteen queries an account); only the fields a sync compares. Deleted accounts are left out, as core does;
 * values match exactly, as core's. Requires moodle/user:viewalldetails and moodle/site:viewuseridentity in the
 * system context: the capabilities with which core shows a caller these fields of every account.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class get_users extends external_api {
    /** The fields answered, with their types. */
    private const FIELDS = ['id' => PARAM_INT, 'idnumber' => PARAM_RAW, 'username' => PARAM_RAW,
        'firstname' => PARAM_NOTAGS, 'lastname' => PARAM_NOTAGS, 'email' => PARAM_RAW, 'auth' => PARAM_PLUGIN,
        'suspended' => PARAM_INT, 'lang' => PARAM_RAW, 'country' => PARAM_RAW, 'institution' => PARAM_RAW,
        'department' => PARAM_RAW];

    /**
     * Describes the parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'field' => new external_value(PARAM_ALPHA, 'idnumber, username, email or id'),
            'values' => new external_multiple_structure(new external_value(PARAM_RAW, 'A value of the field')),
        ]);
    }

    /**
     * Finds the accounts.
     *
     * @param string $field
     * @param array $values
     * @return array
     */
    public static function execute(string $field, array $values): array {
        global $DB;
        $p = self::validate_parameters(self::execute_parameters(), ['field' => $field, 'values' => $values]);
        if (!in_array($p['field'], ['idnumber', 'username', 'email', 'id'], true)) {
            throw new \invalid_parameter_exception('field must be idnumber, username, email or id');
        }
        $context = \context_system::instance();
        self::validate_context($context);
        require_capability('moodle/user:viewalldetails', $context);
        require_capability('moodle/site:viewuseridentity', $context);
        $values = $p['field'] === 'id' ? array_map('intval', $p['values']) : $p['values'];
        $out = [];
        foreach (array_chunk(array_values(array_unique($values)), 1000) as $chunk) {
            [$in, $params] = $DB->get_in_or_equal($chunk, SQL_PARAMS_NAMED);
            $records = $DB->get_records_select('user', $p['field'] . ' ' . $in . ' AND deleted = 0', $params, 'id',
                implode(', ', array_keys(self::FIELDS)));
            foreach ($records as $u) {
                $row = [];
                foreach (array_keys(self::FIELDS) as $name) {
                    $row[$name] = $u->$name;
                }
                $out[] = $row;
            }
        }
        return $out;
    }

    /**
     * Describes the result: the accounts found (a list, as core_user_get_users_by_field's), in no set order.
     *
     * @return external_multiple_structure
     */
    public static function execute_returns(): external_multiple_structure {
        $fields = [];
        foreach (self::FIELDS as $name => $type) {
            $fields[$name] = new external_value($type, $name);
        }
        return new external_multiple_structure(new external_single_structure($fields));
    }
}
