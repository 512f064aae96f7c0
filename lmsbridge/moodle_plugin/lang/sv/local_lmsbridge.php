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
 * Swedish strings of local_lmsbridge: what a learner and a verifier read (the public page, My certificates).
 * Moodle reads a plugin's own lang/sv/ folder when the sv language pack is installed; other strings fall back to English.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['mycertificates'] = 'Mina certifikat';
$string['mycertificates_none'] = 'Du har inget programcertifikat ännu.';
$string['mycertificates_pdf'] = 'Ladda ner certifikatet (PDF)';
$string['mycertificates_verify'] = 'Offentlig verifieringssida (adressen och QR-koden på ditt certifikat)';
$string['verify_awardedto'] = 'Tilldelat';
$string['verify_certificate'] = 'Certifikat';
$string['verify_completed'] = 'Slutfört';
$string['verify_issued'] = 'Utfärdat';
$string['verify_issuer'] = 'Utfärdat av';
$string['verify_notfound'] = 'Inget certifikat med den här koden har utfärdats på den här webbplatsen.';
$string['verify_notfoundtitle'] = 'Certifikatet hittades inte';
$string['verify_number'] = 'Certifikat nr';
$string['verify_programme'] = 'Program';
$string['verify_revoked'] = 'Återkallat {$a->date}: {$a->reason}. Certifikatet är inte längre giltigt.';
$string['verify_title'] = 'Certifikat {$a}';
$string['verify_valid'] = 'Giltigt: certifikatet har utfärdats av den här webbplatsen.';
