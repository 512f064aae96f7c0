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
 * Lithuanian strings of local_lmsbridge: what a learner and a verifier read (the public page, My certificates).
 * Moodle reads a plugin's own lang/lt/ folder when the lt language pack is installed; other strings fall back to English.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['mycertificates'] = 'Mano sertifikatai';
$string['mycertificates_none'] = 'Programos sertifikato dar neturite.';
$string['mycertificates_pdf'] = 'Atsisiųsti sertifikatą (PDF)';
$string['mycertificates_verify'] = 'Viešas patikros puslapis (sertifikate nurodytas adresas ir QR kodas)';
$string['verify_awardedto'] = 'Suteiktas';
$string['verify_certificate'] = 'Sertifikatas';
$string['verify_completed'] = 'Baigta';
$string['verify_issued'] = 'Išdavimo data';
$string['verify_issuer'] = 'Išdavė';
$string['verify_notfound'] = 'Šioje svetainėje sertifikatas su šiuo kodu nebuvo išduotas.';
$string['verify_notfoundtitle'] = 'Sertifikatas nerastas';
$string['verify_number'] = 'Sertifikato Nr.';
$string['verify_programme'] = 'Programa';
$string['verify_revoked'] = 'Atšauktas {$a->date}: {$a->reason}. Šis sertifikatas nebegalioja.';
$string['verify_title'] = 'Sertifikatas {$a}';
$string['verify_valid'] = 'Galioja: šį sertifikatą išdavė ši svetainė.';
