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
 * Library functions of local_lmsbridge: serving a certificate's PDF to its learner.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

/**
 * Serves filearea certificate (system context, itemid = certificate id): only to the learner it was issued to,
 * or to whoever may award badges; never once revoked. Also through webservice/pluginfile.php with the learner's
 * token (the Moodle app).
 *
 * @param stdClass $course
 * @param stdClass $cm
 * @param context $context
 * @param string $filearea
 * @param array $args
 * @param bool $forcedownload
 * @param array $options
 * @return bool false when not found or not allowed
 */
function local_lmsbridge_pluginfile($course, $cm, $context, $filearea, $args, $forcedownload, array $options = []) {
    global $DB, $USER;
    if ($context->contextlevel != CONTEXT_SYSTEM || $filearea !== 'certificate' || count($args) < 2) {
        return false;
    }
    require_login(null, false);
    $itemid = (int)array_shift($args);
    $cert = $DB->get_record('local_lmsbridge_cert', ['id' => $itemid]);
    if (!$cert || $cert->revoked
            || ($cert->userid != $USER->id && !has_capability('moodle/badges:awardbadge', $context))) {
        return false;
    }
    $file = get_file_storage()->get_file($context->id, 'local_lmsbridge', 'certificate', $itemid, '/', end($args));
    if (!$file) {
        return false;
    }
    send_stored_file($file, 0, 0, true, $options);
}
