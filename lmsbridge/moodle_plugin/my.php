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
 * "My certificates": the programme certificates lmsbridge issued to the logged-in learner, each with its status
 * and the link to its public verification page (the one its QR code opens). Only the learner's own rows.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

require(__DIR__ . '/../../config.php');

require_login(null, false);
// The system context: the page is about the programme's certificates, not a profile (no profile header).
$PAGE->set_context(context_system::instance());
$PAGE->set_url(new moodle_url('/local/lmsbridge/my.php'));
$PAGE->set_pagelayout('standard');
$title = get_string('mycertificates', 'local_lmsbridge');
$PAGE->set_title($title);
$PAGE->set_heading($title);

$fs = get_file_storage();
$syscontext = context_system::instance();
$rows = $DB->get_records('local_lmsbridge_cert', ['userid' => $USER->id], 'issued DESC, number');
echo $OUTPUT->header();
echo html_writer::start_div('', ['id' => 'my-certificates']);
if (!$rows) {
    echo html_writer::tag('p', get_string('mycertificates_none', 'local_lmsbridge'));
}
foreach ($rows as $cert) {
    echo html_writer::start_div('card mb-3 certificate', ['lang' => $cert->lang]);
    echo html_writer::start_div('card-body');
    echo html_writer::tag('h3', s($cert->title) . ' — ' . s($cert->programme), ['class' => 'h5 card-title']);
    if ($cert->revoked) {
        $a = (object)['date' => s($cert->revokedon), 'reason' => s($cert->reason)];
        echo html_writer::tag('p', get_string('verify_revoked', 'local_lmsbridge', $a),
            ['class' => 'status revoked alert alert-danger']);
    }
    echo html_writer::tag('p', get_string('verify_number', 'local_lmsbridge') . ': ' . s($cert->number) . ' · '
        . get_string('verify_issued', 'local_lmsbridge') . ': ' . s($cert->issued) . ' · ' . s($cert->issuer));
    $url = new moodle_url('/local/lmsbridge/v.php', ['c' => $cert->code]);
    echo html_writer::link($url, get_string('mycertificates_verify', 'local_lmsbridge'), ['class' => 'verify']);
    $pdf = $cert->revoked ? [] : $fs->get_area_files($syscontext->id, 'local_lmsbridge', 'certificate', $cert->id,
        'id', false);
    foreach ($pdf as $file) {
        $pdfurl = moodle_url::make_pluginfile_url($syscontext->id, 'local_lmsbridge', 'certificate', $cert->id, '/',
            $file->get_filename(), true);
        echo ' · ' . html_writer::link($pdfurl, get_string('mycertificates_pdf', 'local_lmsbridge'), ['class' => 'pdf']);
    }
    echo html_writer::end_div();
    echo html_writer::end_div();
}
echo html_writer::end_div();
echo $OUTPUT->footer();
