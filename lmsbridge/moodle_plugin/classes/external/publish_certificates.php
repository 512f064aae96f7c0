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
 * local_lmsbridge_publish_certificates: the programme certificates lmsbridge issued, for the public page v.php.
 *
 * Core has no record of a certificate that anyone may check without logging in (a badge's assertion names the
 * badge, not the programme's certificate number, code and revocation reason), so the plugin keeps one row per
 * certificate number: created, updated, or unchanged when the data is the same (a re-run changes nothing).
 * Awarding a programme's certificate is what awarding a badge is in Moodle's own interface, hence the capability;
 * publishing also issues (or revokes) the programme's core badge (certificate_badge).
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class publish_certificates extends external_api {
    /** @var string[] the columns a call sets (besides number) */
    const FIELDS = ['code', 'userid', 'fullname', 'title', 'programme', 'issuer', 'lang', 'issued', 'completed',
        'revoked', 'revokedon', 'reason'];

    /**
     * Describes the parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'certificates' => new external_multiple_structure(new external_single_structure([
                'number' => new external_value(PARAM_RAW_TRIMMED, 'Certificate number, e.g. SC-2026-00001'),
                'code' => new external_value(PARAM_RAW_TRIMMED, 'Verification code: 20 letters and digits'),
                'userid' => new external_value(PARAM_INT, 'The learner'),
                'fullname' => new external_value(PARAM_TEXT, 'The name as printed on the certificate'),
                'title' => new external_value(PARAM_TEXT, 'The certificate title'),
                'programme' => new external_value(PARAM_TEXT, 'The programme title'),
                'issuer' => new external_value(PARAM_TEXT, 'The issuer'),
                'lang' => new external_value(PARAM_RAW_TRIMMED, 'The certificate language'),
                'issued' => new external_value(PARAM_RAW_TRIMMED, 'Date of issue, YYYY-MM-DD'),
                'completed' => new external_value(PARAM_RAW_TRIMMED, 'Completion date, YYYY-MM-DD or empty'),
                'revoked' => new external_value(PARAM_INT, '1 when revoked'),
                'revokedon' => new external_value(PARAM_RAW_TRIMMED, 'Date of revocation, YYYY-MM-DD or empty'),
                'reason' => new external_value(PARAM_TEXT, 'Why it was revoked'),
            ]), 'One row per certificate'),
        ]);
    }

    /**
     * Stores the rows.
     *
     * @param array $certificates
     * @return array
     */
    public static function execute(array $certificates): array {
        global $DB;
        $p = self::validate_parameters(self::execute_parameters(), ['certificates' => $certificates]);
        $context = \context_system::instance();
        self::validate_context($context);
        require_capability('moodle/badges:awardbadge', $context);
        $date = '/^(\d{4}-\d{2}-\d{2})?$/';
        foreach ($p['certificates'] as $c) {
            if (!preg_match('/^[A-Za-z0-9-]{1,40}$/', $c['number']) || !preg_match('/^[A-Z0-9]{20}$/', $c['code'])
                    || $c['issued'] === '' || !preg_match($date, $c['issued']) || !preg_match($date, $c['completed'])
                    || !preg_match($date, $c['revokedon']) || trim($c['fullname']) === '') {
                throw new \moodle_exception('invalidcertificate', 'local_lmsbridge', '', $c['number']);
            }
        }
        $out = [];
        $transaction = $DB->start_delegated_transaction();
        foreach ($p['certificates'] as $c) {
            $values = [];
            foreach (self::FIELDS as $field) {
                $values[$field] = $field === 'revoked' ? ($c[$field] ? 1 : 0) : $c[$field];
            }
            $row = $DB->get_record('local_lmsbridge_cert', ['number' => $c['number']]);
            if (!$row) {
                $DB->insert_record('local_lmsbridge_cert', (object)($values + ['number' => $c['number'],
                    'timecreated' => time(), 'timemodified' => time()]));
                $status = 'created';
            } else {
                $differs = false;
                foreach ($values as $field => $value) {
                    $differs = $differs || (string)$row->$field !== (string)$value;
                }
                if ($differs) {
                    $DB->update_record('local_lmsbridge_cert', (object)($values + ['id' => $row->id,
                        'timemodified' => time()]));
                }
                $status = $differs ? 'updated' : 'unchanged';
            }
            $out[] = ['number' => $c['number'], 'status' => $status];
        }
        $transaction->allow_commit();
        // The programme's core badge: issued (Moodle notifies the learner) or revoked with the certificate.
        foreach ($p['certificates'] as $c) {
            \local_lmsbridge\local\certificate_badge::sync($c);
        }
        return ['certificates' => $out];
    }

    /**
     * Describes the result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'certificates' => new external_multiple_structure(new external_single_structure([
                'number' => new external_value(PARAM_RAW, 'Certificate number'),
                'status' => new external_value(PARAM_ALPHA, 'created, updated or unchanged'),
            ])),
        ]);
    }
}
