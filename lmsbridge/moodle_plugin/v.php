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
 * The public verification page of a certificate: v.php?c=<code>, printed (with its QR code) on the certificate.
 *
 * No login on purpose: an employer holding a printout checks it here. It shows one certificate, found by its
 * 20-character code (which nobody guesses), and says valid or revoked; nothing else of the site.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

// phpcs:ignore moodle.Files.RequireLogin.Missing -- public by design (see above).
require(__DIR__ . '/../../config.php');

$code = strtoupper(preg_replace('/[^A-Za-z0-9]/', '', optional_param('c', '', PARAM_RAW)));
$PAGE->set_context(context_system::instance());
$PAGE->set_url(new moodle_url('/local/lmsbridge/v.php', ['c' => $code]));
$PAGE->set_pagelayout('popup');

$cert = strlen($code) === 20 ? $DB->get_record('local_lmsbridge_cert', ['code' => $code]) : false;
if (!$cert) {
    http_response_code(404);
    $PAGE->set_title(get_string('verify_notfoundtitle', 'local_lmsbridge'));
    echo $OUTPUT->header();
    echo html_writer::start_div('', ['id' => 'certificate-verification']);
    echo $OUTPUT->heading(get_string('verify_notfoundtitle', 'local_lmsbridge'), 1);
    echo html_writer::tag('p', get_string('verify_notfound', 'local_lmsbridge'),
        ['class' => 'status invalid alert alert-danger']);
    echo html_writer::end_div();
    echo $OUTPUT->footer();
    exit;
}

// The page speaks the certificate's language (a Lithuanian certificate, a Lithuanian page) when the site has it.
if ($cert->lang !== current_language() && get_string_manager()->translation_exists($cert->lang, false)) {
    force_current_language($cert->lang);
}
$title = get_string('verify_title', 'local_lmsbridge', s($cert->number));
$PAGE->set_title($title);
echo $OUTPUT->header();
echo html_writer::start_div('', ['id' => 'certificate-verification']);
echo $OUTPUT->heading($title, 1);
if ($cert->revoked) {
    $a = (object)['date' => s($cert->revokedon), 'reason' => s($cert->reason)];
    echo html_writer::tag('p', get_string('verify_revoked', 'local_lmsbridge', $a),
        ['class' => 'status revoked alert alert-danger']);
} else {
    echo html_writer::tag('p', get_string('verify_valid', 'local_lmsbridge'), ['class' => 'status valid alert alert-success']);
}
$facts = [
    'verify_awardedto' => $cert->fullname, 'verify_certificate' => $cert->title, 'verify_programme' => $cert->programme,
    'verify_issuer' => $cert->issuer, 'verify_issued' => $cert->issued, 'verify_completed' => $cert->completed,
    'verify_number' => $cert->number,
];
echo html_writer::start_tag('dl', ['class' => 'facts']);
foreach ($facts as $label => $value) {
    if ((string)$value !== '') {
        echo html_writer::tag('dt', get_string($label, 'local_lmsbridge'));
        echo html_writer::tag('dd', s($value), ['lang' => $cert->lang]);
    }
}
echo html_writer::end_tag('dl');
echo html_writer::end_div();
echo $OUTPUT->footer();
