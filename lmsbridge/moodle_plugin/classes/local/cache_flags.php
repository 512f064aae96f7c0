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
 * set_cache_flag() for many names of one flag type in two queries: core reads and writes each flag alone, two
 * queries per user for a bulk enrolment's mark_user_dirty() or a bulk creation's preferences-changed flag.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class cache_flags {
    /**
     * As set_cache_flag($type, $name, $value, $expiry) for each of $names: existing flags updated, the others
     * inserted.
     *
     * @param string $type the flag type, e.g. accesslib/dirtyusers
     * @param array $names flag names (user ids for the user flags)
     * @param string $value
     * @param int $expiry when the flags expire (as set_cache_flag: a day from now when it is in the past)
     */
    public static function set_many(string $type, array $names, string $value, int $expiry): void {
        global $DB;
        $now = time();
        $expiry = $expiry < $now ? $now + DAYSECS : $expiry;
        $names = array_values(array_unique(array_map('strval', $names)));
        foreach (array_chunk($names, 1000) as $chunk) {
            [$in, $params] = $DB->get_in_or_equal($chunk, SQL_PARAMS_NAMED);
            $params['flagtype'] = $type;
            $existing = $DB->get_records_select_menu('cache_flags', "flagtype = :flagtype AND name $in", $params, '',
                'id, name');
            if ($existing) {
                [$ids, $idparams] = $DB->get_in_or_equal(array_keys($existing), SQL_PARAMS_NAMED);
                $DB->execute("UPDATE {cache_flags} SET value = :value, expiry = :expiry, timemodified = :now
                               WHERE id $ids", $idparams + ['value' => $value, 'expiry' => $expiry, 'now' => $now]);
            }
            $have = array_flip(array_map('strval', $existing));
            $records = [];
            foreach ($chunk as $name) {
                if (!isset($have[$name])) {
                    $records[] = (object)['flagtype' => $type, 'name' => $name, 'value' => $value, 'expiry' => $expiry,
                        'timemodified' => $now];
                }
            }
            if ($records) {
                $DB->insert_records('cache_flags', $records);
            }
        }
    }

    /**
     * mark_user_dirty() for many users: their access data is reloaded in every session.
     *
     * @param int[] $userids
     */
    public static function mark_users_dirty(array $userids): void {
        global $CFG, $ACCESSLIB_PRIVATE;
        self::set_many('accesslib/dirtyusers', $userids, '1', time() + $CFG->sessiontimeout);
        foreach ($userids as $userid) {
            $ACCESSLIB_PRIVATE->dirtyusers[$userid] = 1;
            unset($ACCESSLIB_PRIVATE->accessdatabyuser[$userid]);
        }
    }
}
