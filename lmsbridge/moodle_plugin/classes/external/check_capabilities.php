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
 * local_lmsbridge_check_capabilities: which of the given capabilities the token's own user has, site-wide.
 *
 * No core web service tells a user's capabilities (core_course_get_user_administration_options answers a few
 * course-level yes/no questions, not capabilities), so `lmsbridge doctor` could otherwise learn of a missing one
 * only when the sync fails on it. The answer is about the caller alone, in the system context (where the sync
 * user's role is assigned), so it needs no capability and tells nothing about anyone else.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class check_capabilities extends external_api {
    /**
     * Describes the parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'capabilities' => new external_multiple_structure(
                new external_value(PARAM_RAW_TRIMMED, 'Capability name, e.g. moodle/course:view'), 'Capabilities'),
        ]);
    }

    /**
     * Checks each capability for the calling user in the system context.
     *
     * @param array $capabilities
     * @return array
     */
    public static function execute(array $capabilities): array {
        global $USER;
        $p = self::validate_parameters(self::execute_parameters(), ['capabilities' => $capabilities]);
        $context = \context_system::instance();
        self::validate_context($context);
        $out = [];
        foreach ($p['capabilities'] as $name) {
            $known = get_capability_info($name) !== null;
            $out[] = ['name' => $name, 'known' => $known,
                'allowed' => $known && has_capability($name, $context, $USER->id)];
        }
        return ['capabilities' => $out];
    }

    /**
     * Describes the result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'capabilities' => new external_multiple_structure(new external_single_structure([
                'name' => new external_value(PARAM_RAW, 'Capability name, as sent'),
                'known' => new external_value(PARAM_BOOL, 'The site defines this capability'),
                'allowed' => new external_value(PARAM_BOOL, 'The token\'s user has it in the system context'),
            ]), 'One entry per capability, in the order sent'),
        ]);
    }
}
