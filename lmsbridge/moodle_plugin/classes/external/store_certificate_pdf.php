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
use core_external\external_single_structure;
use core_external\external_value;

/**
 * local_lmsbridge_store_certificate_pdf: the printable certificate (PDF, in the learner's language) into the
 * plugin's file area, where the learner downloads it ("My certificates", the Moodle app with its token).
 *
 * Core has no per-learner area for a document that someone else issued (a user's private files are theirs to
 * change), so the file lives in the system context, component local_lmsbridge, filearea certificate, itemid = the
 * certificate's id; local_lmsbridge_pluginfile() serves it to that learner only (or to whoever may award badges).
 * The caller uploads the file first through webservice/upload.php and passes the draft itemid.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class store_certificate_pdf extends external_api {
    /**
     * Describes the parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'number' => new external_value(PARAM_RAW_TRIMMED, 'Certificate number, published before'),
            'draftitemid' => new external_value(PARAM_INT, 'The caller\'s draft area holding the one PDF'),
        ]);
    }

    /**
     * Moves the PDF from the draft area into the certificate's area (replacing an earlier one).
     *
     * @param string $number
     * @param int $draftitemid
     * @return array
     */
    public static function execute(string $number, int $draftitemid): array {
        global $DB, $USER;
        $p = self::validate_parameters(self::execute_parameters(), ['number' => $number,
            'draftitemid' => $draftitemid]);
        $context = \context_system::instance();
        self::validate_context($context);
        require_capability('moodle/badges:awardbadge', $context);
        $cert = $DB->get_record('local_lmsbridge_cert', ['number' => $p['number']]);
        if (!$cert) {
            throw new \moodle_exception('certificatenotpublished', 'local_lmsbridge', '', $p['number']);
        }
        $fs = get_file_storage();
        $draft = \context_user::instance($USER->id);
        $files = $fs->get_area_files($draft->id, 'user', 'draft', $p['draftitemid'], 'id', false);
        if (count($files) !== 1) {
            throw new \moodle_exception('certificatepdfdraft', 'local_lmsbridge', '', $p['draftitemid']);
        }
        $file = reset($files);
        $old = $fs->get_area_files($context->id, 'local_lmsbridge', 'certificate', $cert->id, 'id', false);
        $same = count($old) === 1 && reset($old)->get_contenthash() === $file->get_contenthash();
        if (!$same) {
            $fs->delete_area_files($context->id, 'local_lmsbridge', 'certificate', $cert->id);
            $fs->create_file_from_storedfile(['contextid' => $context->id, 'component' => 'local_lmsbridge',
                'filearea' => 'certificate', 'itemid' => $cert->id, 'filepath' => '/',
                'filename' => $cert->number . '.pdf', 'userid' => $cert->userid], $file);
        }
        $fs->delete_area_files($draft->id, 'user', 'draft', $p['draftitemid']);
        return ['number' => $cert->number, 'status' => $same ? 'unchanged' : 'stored'];
    }

    /**
     * Describes the result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'number' => new external_value(PARAM_RAW, 'Certificate number'),
            'status' => new external_value(PARAM_ALPHA, 'stored or unchanged'),
        ]);
    }
}
