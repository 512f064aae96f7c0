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
 * English strings of local_lmsbridge.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['coursenotfound'] = 'Course {$a} does not exist, or the token\'s user may not enter it.';
$string['draftfilemissing'] = 'No file in draft area {$a} of this user. Upload the package through webservice/upload.php with the same token and pass the itemid it returns.';
$string['draftfilemultiple'] = 'Draft area {$a->itemid} holds {$a->count} files; upload the package alone (one file per draft itemid).';
$string['gradeitemlocked'] = 'Grade item "{$a}" is locked in the gradebook; unlock it to change grades.';
$string['gradeitemnotfound'] = 'No manual grade item with idnumber "{$a}" in this course; create it with local_lmsbridge_upsert_grade_items first.';
$string['gradelocked'] = 'This learner\'s grade is locked in the gradebook; unlock it to change it.';
$string['gradenotanumber'] = 'The grade "{$a}" is not a number.';
$string['gradenotstored'] = 'Moodle did not store the grade (the item or the grade may be locked).';
$string['gradeoutofrange'] = 'The grade {$a->grade} is outside the item\'s range {$a->min} to {$a->max}; nothing was stored.';
$string['idnumberduplicate'] = 'The idnumber "{$a->idnumber}" is used {$a->count} times in this course; give each item its own idnumber.';
$string['idnumbertaken'] = 'The idnumber "{$a}" is already used in this course by another activity or grade item (activities and grade items share idnumbers).';
$string['invaliditem'] = 'Grade item "{$a->idnumber}": {$a->reason}.';
$string['invalidoption'] = 'Invalid {$a->name} "{$a->value}": allowed {$a->allowed}.';
$string['invalidpackage'] = 'The SCORM package was rejected: {$a}';
$string['manifestunreadable'] = 'Moodle could not read the imsmanifest.xml of this package.';
$string['packagerequired'] = 'Activity "{$a}" does not exist yet: a package (draftitemid) is required to create it.';
$string['pluginname'] = 'lmsbridge companion';
$string['privacy:metadata'] = 'The lmsbridge companion plugin stores the programme certificates lmsbridge issued, for their public verification page; grades it sets are stored by the gradebook.';
$string['privacy:metadata:cert'] = 'Programme certificates issued by lmsbridge, shown to anyone who opens the verification URL printed on the certificate.';
$string['privacy:metadata:cert:fullname'] = 'The name printed on the certificate.';
$string['privacy:metadata:cert:issued'] = 'The date of issue.';
$string['privacy:metadata:cert:number'] = 'The certificate number.';
$string['privacy:metadata:cert:programme'] = 'The programme the certificate is for.';
$string['privacy:metadata:cert:revoked'] = 'Whether the certificate was revoked, when and why.';
$string['privacy:metadata:cert:userid'] = 'The learner who earned the certificate.';
$string['usermissing'] = 'The row names no learner: give useridnumber or userid.';
$string['usernotenrolled'] = 'User {$a} is not enrolled in this course; enrol the learner first. Nothing was stored.';
$string['useridnumberduplicate'] = 'Several users have the idnumber {$a}; make user idnumbers unique. Nothing was stored.';
$string['warning_apponlineonly'] = 'The package is {$a}: the Moodle app plays it online only (it downloads SCORM 1.2 packages for offline use).';
$string['warning_completiondisabled'] = 'Completion tracking is off for this course (or site): the completion rule is stored but not applied.';
$string['warning_completionrecalculated'] = 'The completion rule changed: Moodle recalculates the completion of every learner of this activity.';
$string['warning_packagedownloadsprotected'] = 'Package downloads are protected on this site: the Moodle app cannot download the package for offline use (Site administration > Plugins > Activity modules > SCORM package > Protect package downloads).';
$string['invalidcertificate'] = 'Certificate "{$a}": the number (letters, digits, -), the code (20 letters and digits), the name and the dates (YYYY-MM-DD, issued required) must be valid; nothing was stored.';
$string['verify_awardedto'] = 'Awarded to';
$string['verify_certificate'] = 'Certificate';
$string['verify_completed'] = 'Completed';
$string['verify_issued'] = 'Date of issue';
$string['verify_issuer'] = 'Issued by';
$string['verify_notfound'] = 'No certificate with this code was issued on this site.';
$string['verify_notfoundtitle'] = 'Certificate not found';
$string['verify_number'] = 'Certificate no.';
$string['verify_programme'] = 'Programme';
$string['verify_revoked'] = 'Revoked on {$a->date}: {$a->reason}. This certificate is no longer valid.';
$string['verify_title'] = 'Certificate {$a}';
$string['verify_valid'] = 'Valid: this certificate was issued by this site.';
$string['mycertificates'] = 'My certificates';
$string['mycertificates_none'] = 'You have no programme certificate yet.';
$string['mycertificates_verify'] = 'Public verification page (the address and QR code on your certificate)';
$string['completionactivity'] = 'No activity with idnumber "{$a}" and completion tracking in this course: only activities with completion tracking can be completion criteria.';
$string['completionlocked'] = 'Learners of course {$a} have already completed criteria: Moodle freezes its completion criteria then. Change them on the course\'s completion page (which deletes their completion data) if that is intended.';
$string['completionnotenabled'] = 'Completion tracking is off on this site or in course {$a}: enable it (Site administration > Advanced features, and the course settings) to set completion criteria.';
$string['certificatenotpublished'] = 'Certificate "{$a}" has not been published (local_lmsbridge_publish_certificates) yet.';
$string['certificatepdfdraft'] = 'Draft area {$a} must hold exactly one file: the certificate\'s PDF, uploaded through webservice/upload.php.';
$string['mycertificates_pdf'] = 'Download the certificate (PDF)';
$string['privacy:metadata:core_files'] = 'The printable certificate (PDF) of each certificate, for its learner to download.';
