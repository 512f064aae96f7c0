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

namespace local_lmsbridge\local;

/**
 * The programme's core badge (Open Badges): what the learner is notified of and finds under "My badges".
 *
 * Core web services can neither create nor award badges, so publishing a certificate does it here: one site
 * badge per programme (the number's prefix, e.g. SC of SC-2026-00001; its id kept in the plugin's config),
 * issued with core's badge::issue (Moodle's own notification, baked image, assertion that verifies with this
 * site), and revoked the way core's manual revocation does it (the issued row deleted, badge_revoked event).
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class certificate_badge {
    /**
     * Issue or revoke the badge of one published certificate row; nothing when badges are off.
     *
     * @param array $c the row as local_lmsbridge_publish_certificates received it
     * @return string issued, revoked or '' (nothing changed)
     */
    public static function sync(array $c): string {
        global $CFG, $DB;
        if (empty($CFG->enablebadges) || !$DB->record_exists('user', ['id' => $c['userid'], 'deleted' => 0])) {
            return '';
        }
        require_once($CFG->libdir . '/badgeslib.php');
        $badge = self::programme_badge($c);
        $issued = $DB->get_record('badge_issued', ['badgeid' => $badge->id, 'userid' => $c['userid']]);
        if ($c['revoked']) {
            if (!$issued) {
                return '';
            }
            $DB->delete_records('badge_issued', ['id' => $issued->id]);
            \core\event\badge_revoked::create(['objectid' => $badge->id, 'relateduserid' => $c['userid'],
                'context' => $badge->get_context()])->trigger();
            return 'revoked';
        }
        if ($issued) {
            return '';
        }
        $badge->issue($c['userid']);
        return 'issued';
    }

    /**
     * The programme's badge, created (active, with an image) the first time.
     *
     * @param array $c
     * @return \core_badges\badge
     */
    private static function programme_badge(array $c): \core_badges\badge {
        global $CFG, $DB;
        $key = 'badge_' . preg_replace('/[^A-Za-z0-9]/', '', preg_replace('/-\d{4}-\d+$/', '', $c['number']));
        $id = get_config('local_lmsbridge', $key);
        if ($id && $DB->record_exists('badge', ['id' => $id])) {
            return new \core_badges\badge($id);
        }
        $data = (object)['name' => \core_text::substr($c['title'] . ' — ' . $c['programme'], 0, 255),
            'version' => '', 'language' => $c['lang'], 'imagecaption' => '',
            'description' => $c['title'] . ': ' . $c['programme'] . ' (' . $c['issuer'] . ')',
            'issuername' => \core_text::substr($c['issuer'], 0, 255), 'issuerurl' => $CFG->wwwroot,
            'issuercontact' => ''];
        $badge = \core_badges\badge::create_badge($data);
        // No criteria: lmsbridge decides who qualifies (the programme's certificate.toml), the site only records it.
        $DB->set_field('badge', 'status', BADGE_STATUS_ACTIVE_LOCKED, ['id' => $badge->id]);
        $badge = new \core_badges\badge($badge->id);
        badges_process_badge_image($badge, self::image());
        set_config($key, $badge->id, 'local_lmsbridge');
        return $badge;
    }

    /**
     * A plain seal-like PNG for the badge (core requires an image to bake the issued badge).
     *
     * @return string path of a temporary PNG (core deletes it)
     */
    private static function image(): string {
        $img = imagecreatetruecolor(256, 256);
        imagesavealpha($img, true);
        imagefill($img, 0, 0, imagecolorallocatealpha($img, 0, 0, 0, 127));
        imagefilledellipse($img, 128, 128, 248, 248, imagecolorallocate($img, 0x1f, 0x4e, 0x79));
        imagefilledellipse($img, 128, 128, 200, 200, imagecolorallocate($img, 0xf6, 0xf8, 0xfa));
        imagefilledellipse($img, 128, 128, 120, 120, imagecolorallocate($img, 0xd4, 0xa0, 0x17));
        $path = make_request_directory() . '/badge.png';
        imagepng($img, $path);
        imagedestroy($img);
        return $path;
    }
}
