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
use core_external\external_warnings;
use local_lmsbridge\local\lookup;

/**
 * local_lmsbridge_upsert_scorm: create or update a SCORM activity keyed by its idnumber.
 *
 * Moodle's core web services cannot create a SCORM activity (core_courseformat_new_module refuses modules
 * without quick creation), so this function goes through create_module()/update_module(), the same path as
 * the activity form, with the package taken from the caller's draft area (webservice/upload.php).
 * Replacing the package keeps the activity, its grade item and the tracking of every SCO whose identifier
 * remains in the new manifest (scorm_parse_scorm() matches SCOs by identifier); the revision goes up.
 *
 * @package    local_lmsbridge
 * @copyright  2026 lmsbridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class upsert_scorm extends external_api {
    /** Grading methods by name (mod/scorm/locallib.php GRADESCOES...GRADESUM). */
    const GRADEMETHODS = ['scoes' => 0, 'highest' => 1, 'average' => 2, 'sum' => 3];
    /** Which attempt counts, by name (HIGHESTATTEMPT...LASTATTEMPT). */
    const WHATGRADES = ['highest' => 0, 'average' => 1, 'first' => 2, 'last' => 3];
    /** Completion by status: the bits of scorm_status_options() (2 passed, 4 completed; both = either one). */
    const COMPLETIONSTATUSES = ['none' => 0, 'passed' => 2, 'completed' => 4, 'passed_or_completed' => 6];
    /** Display: the activity's popup flag. */
    const DISPLAYS = ['currentwindow' => 0, 'popup' => 1];

    /**
     * Describes the parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'section' => new external_value(PARAM_INT, 'Section number (0 is the general section); created if missing'),
            'idnumber' => new external_value(PARAM_RAW_TRIMMED, 'Activity idnumber, the key of the upsert (1-100 chars)'),
            'name' => new external_value(PARAM_TEXT, 'Activity name'),
            'intro' => new external_value(PARAM_RAW, 'Description (HTML)', VALUE_DEFAULT, ''),
            'draftitemid' => new external_value(PARAM_INT,
                'Draft itemid of the zip uploaded through webservice/upload.php by the same user; '
                . '0 keeps the current package (required when the activity is created)', VALUE_DEFAULT, 0),
            'grademethod' => new external_value(PARAM_ALPHA, 'scoes, highest, average or sum', VALUE_DEFAULT, 'highest'),
            'maxgrade' => new external_value(PARAM_FLOAT, 'Maximum grade, 0-100', VALUE_DEFAULT, 100),
            'whatgrade' => new external_value(PARAM_ALPHA, 'Attempt that counts: highest, average, first or last',
                VALUE_DEFAULT, 'highest'),
            'maxattempt' => new external_value(PARAM_INT, 'Number of attempts allowed, 0 = unlimited', VALUE_DEFAULT, 0),
            'completionstatus' => new external_value(PARAM_ALPHAEXT,
                'Completion by status: none, passed, completed or passed_or_completed', VALUE_DEFAULT, 'none'),
            'completionallscos' => new external_value(PARAM_BOOL, 'The status is required of all SCOs',
                VALUE_DEFAULT, false),
            'completionscore' => new external_value(PARAM_INT, 'Completion by minimum score, 0 = off', VALUE_DEFAULT, 0),
            'display' => new external_value(PARAM_ALPHA, 'currentwindow or popup', VALUE_DEFAULT, 'currentwindow'),
            'visible' => new external_value(PARAM_BOOL, 'Shown to learners', VALUE_DEFAULT, true),
        ]);
    }

    /**
     * Create or update the activity.
     *
     * @param int $courseid
     * @param int $section
     * @param string $idnumber
     * @param string $name
     * @param string $intro
     * @param int $draftitemid
     * @param string $grademethod
     * @param float $maxgrade
     * @param string $whatgrade
     * @param int $maxattempt
     * @param string $completionstatus
     * @param bool $completionallscos
     * @param int $completionscore
     * @param string $display
     * @param bool $visible
     * @return array
     */
    public static function execute(int $courseid, int $section, string $idnumber, string $name, string $intro = '',
            int $draftitemid = 0, string $grademethod = 'highest', float $maxgrade = 100, string $whatgrade = 'highest',
            int $maxattempt = 0, string $completionstatus = 'none', bool $completionallscos = false,
            int $completionscore = 0, string $display = 'currentwindow', bool $visible = true): array {
        global $CFG, $DB, $USER;
        require_once($CFG->dirroot . '/course/lib.php');
        require_once($CFG->dirroot . '/course/modlib.php');
        require_once($CFG->dirroot . '/mod/scorm/lib.php');
        require_once($CFG->dirroot . '/mod/scorm/locallib.php');
        require_once($CFG->libdir . '/completionlib.php');
        require_once($CFG->libdir . '/gradelib.php');

        $p = self::validate_parameters(self::execute_parameters(), [
            'courseid' => $courseid, 'section' => $section, 'idnumber' => $idnumber, 'name' => $name,
            'intro' => $intro, 'draftitemid' => $draftitemid, 'grademethod' => $grademethod, 'maxgrade' => $maxgrade,
            'whatgrade' => $whatgrade, 'maxattempt' => $maxattempt, 'completionstatus' => $completionstatus,
            'completionallscos' => $completionallscos, 'completionscore' => $completionscore, 'display' => $display,
            'visible' => $visible,
        ]);
        $settings = self::settings($p);
        // As an editor form stores it for a user without the trust to post raw HTML (no trusttext): purified, so
        // a token cannot plant script in an activity that every learner opens.
        $p['intro'] = clean_text($p['intro'], FORMAT_HTML);

        [$course, $context] = lookup::enter($p['courseid']);
        require_capability('moodle/course:manageactivities', $context);
        self::check_section($course, $p['section']);

        $cm = lookup::course_module($course->id, $p['idnumber']);
        if ($cm && $cm->modname !== 'scorm') {
            throw new \moodle_exception('idnumbertaken', 'local_lmsbridge', '', $p['idnumber']);
        }
        if (!$cm) {
            require_capability('mod/scorm:addinstance', $context);
            if (!grade_verify_idnumber($p['idnumber'], $course->id)) {
                throw new \moodle_exception('idnumbertaken', 'local_lmsbridge', '', $p['idnumber']);
            }
        }
        // Validate the package before anything is written, with Moodle's own check (the form's).
        $package = $p['draftitemid'] ? self::draft_package($p['draftitemid']) : null;
        if (!$cm && !$package) {
            throw new \moodle_exception('packagerequired', 'local_lmsbridge', '', $p['idnumber']);
        }

        $warnings = [];
        $completion = new \completion_info($course);
        if ($settings['completion'] && !$completion->is_enabled()) {
            $warnings[] = self::warning('completiondisabled', $p['idnumber']);
        }

        $transaction = $DB->start_delegated_transaction();
        try {
            if (!$cm) {
                [$cmid, $status, $packagechanged] = self::create($course, $p, $settings, $package);
            } else {
                [$cmid, $status, $packagechanged] = self::update($course, $cm, $p, $settings, $package, $completion,
                    $warnings);
            }
            $scorm = $DB->get_record('scorm', ['id' => $DB->get_field('course_modules', 'instance', ['id' => $cmid])],
                '*', MUST_EXIST);
            if ($scorm->version === 'ERROR') {
                // Moodle stores an unreadable manifest as version ERROR; refuse it instead of publishing it.
                throw new \moodle_exception('invalidpackage', 'local_lmsbridge', '',
                    get_string('manifestunreadable', 'local_lmsbridge'));
            }
            $transaction->allow_commit();
        } catch (\Throwable $e) {
            $transaction->rollback($e);
        }
        if ($package) {
            // The package now lives in the activity; the draft copy is of no further use.
            get_file_storage()->delete_area_files(\context_user::instance($USER->id)->id, 'user', 'draft',
                $p['draftitemid']);
        }

        $protected = (bool)get_config('scorm', 'protectpackagedownloads');
        $offline = $scorm->version === 'SCORM_1.2' && !$protected;
        if ($scorm->version !== 'SCORM_1.2') {
            $warnings[] = self::warning('apponlineonly', $p['idnumber'], $scorm->version);
        } else if ($protected) {
            $warnings[] = self::warning('packagedownloadsprotected', $p['idnumber']);
        }
        $sectionnum = (int)$DB->get_field_sql('SELECT cs.section FROM {course_sections} cs
                                                 JOIN {course_modules} cm ON cm.section = cs.id
                                                WHERE cm.id = ?', [$cmid]);
        return [
            'cmid' => (int)$cmid,
            'instance' => (int)$scorm->id,
            'section' => $sectionnum,
            'status' => $status,
            'packagechanged' => $packagechanged,
            'revision' => (int)$scorm->revision,
            'sha1hash' => (string)$scorm->sha1hash,
            'version' => (string)$scorm->version,
            'scocount' => $DB->count_records_select('scorm_scoes', "scorm = ? AND launch <> ''", [$scorm->id]),
            'offlineinapp' => $offline,
            'warnings' => $warnings,
        ];
    }

    /**
     * Describes the result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'cmid' => new external_value(PARAM_INT, 'Course module id'),
            'instance' => new external_value(PARAM_INT, 'SCORM instance id'),
            'section' => new external_value(PARAM_INT, 'Section number the activity is in'),
            'status' => new external_value(PARAM_ALPHA, 'created, updated or unchanged'),
            'packagechanged' => new external_value(PARAM_BOOL, 'The package was replaced (or added)'),
            'revision' => new external_value(PARAM_INT, 'Package revision; goes up when the package changes'),
            'sha1hash' => new external_value(PARAM_ALPHANUM, 'SHA-1 of the package zip as Moodle stores it'),
            'version' => new external_value(PARAM_TEXT, 'SCORM_1.2, SCORM_1.3 (2004) or AICC'),
            'scocount' => new external_value(PARAM_INT, 'Number of launchable SCOs'),
            'offlineinapp' => new external_value(PARAM_BOOL,
                'The Moodle app can download it for offline use (SCORM 1.2 and package downloads not protected)'),
            'warnings' => new external_warnings(),
        ]);
    }

    /**
     * Maps the named options to the values Moodle stores, refusing unknown names with a clear message.
     *
     * @param array $p validated parameters
     * @return array scorm and course-module field values
     */
    protected static function settings(array $p): array {
        $pick = function (string $param, array $allowed) use ($p) {
            if (!array_key_exists($p[$param], $allowed)) {
                throw new \moodle_exception('invalidoption', 'local_lmsbridge', '', (object)[
                    'name' => $param, 'value' => $p[$param], 'allowed' => implode(', ', array_keys($allowed))]);
            }
            return $allowed[$p[$param]];
        };
        if ($p['idnumber'] === '' || \core_text::strlen($p['idnumber']) > 100) {
            throw new \moodle_exception('invalidoption', 'local_lmsbridge', '', (object)[
                'name' => 'idnumber', 'value' => $p['idnumber'], 'allowed' => '1 to 100 characters']);
        }
        if (trim($p['name']) === '') {
            throw new \moodle_exception('invalidoption', 'local_lmsbridge', '', (object)[
                'name' => 'name', 'value' => '', 'allowed' => 'a non-empty name']);
        }
        foreach (['maxgrade' => [0, 100], 'completionscore' => [0, 100000], 'maxattempt' => [0, 1000],
                'section' => [0, 10000]] as $param => [$min, $max]) {
            if ($p[$param] < $min || $p[$param] > $max) {
                throw new \moodle_exception('invalidoption', 'local_lmsbridge', '', (object)[
                    'name' => $param, 'value' => $p[$param], 'allowed' => "$min to $max"]);
            }
        }
        $status = $pick('completionstatus', self::COMPLETIONSTATUSES);
        $bycompletion = $status || $p['completionscore'] > 0;
        return [
            'grademethod' => $pick('grademethod', self::GRADEMETHODS),
            'maxgrade' => $p['maxgrade'],
            'whatgrade' => $pick('whatgrade', self::WHATGRADES),
            'maxattempt' => $p['maxattempt'],
            'popup' => $pick('display', self::DISPLAYS),
            'completionstatusrequired' => $status ?: null,
            'completionscorerequired' => $p['completionscore'] > 0 ? $p['completionscore'] : null,
            'completionstatusallscos' => ($status && $p['completionallscos']) ? 1 : 0,
            'completion' => $bycompletion ? COMPLETION_TRACKING_AUTOMATIC : COMPLETION_TRACKING_NONE,
        ];
    }

    /**
     * The one zip in the caller's draft area, checked with scorm_validate_package().
     *
     * @param int $draftitemid
     * @return \stored_file
     */
    protected static function draft_package(int $draftitemid): \stored_file {
        global $USER;
        $files = get_file_storage()->get_area_files(\context_user::instance($USER->id)->id, 'user', 'draft',
            $draftitemid, 'id', false);
        if (!$files) {
            throw new \moodle_exception('draftfilemissing', 'local_lmsbridge', '', $draftitemid);
        }
        if (count($files) > 1) {
            throw new \moodle_exception('draftfilemultiple', 'local_lmsbridge', '',
                (object)['itemid' => $draftitemid, 'count' => count($files)]);
        }
        $file = reset($files);
        $errors = scorm_validate_package($file);
        if ($errors) {
            throw new \moodle_exception('invalidpackage', 'local_lmsbridge', '', implode(' ', $errors));
        }
        if (!self::manifest_readable($file)) {
            throw new \moodle_exception('invalidpackage', 'local_lmsbridge', '',
                get_string('manifestunreadable', 'local_lmsbridge'));
        }
        return $file;
    }

    /**
     * Whether the package's imsmanifest.xml is well-formed and has resources.
     *
     * Moodle's own manifest reader calls die() on malformed XML and meets a TypeError on a manifest without
     * organizations or resources, so the package is read here first and refused with a clear error instead.
     * A package without imsmanifest.xml (AICC) passed scorm_validate_package() and is left to Moodle.
     *
     * @param \stored_file $file the package
     * @return bool
     */
    protected static function manifest_readable(\stored_file $file): bool {
        $path = $file->copy_content_to_temp('local_lmsbridge');
        if ($path === false) {
            return false;
        }
        try {
            $zip = new \ZipArchive();
            if ($zip->open($path) !== true) {
                return false;
            }
            $xml = $zip->getFromName('imsmanifest.xml');
            $zip->close();
            if ($xml === false) {
                return true;
            }
            // No LIBXML_NOENT and no DTD loading: entities are not expanded and nothing is fetched.
            $previous = libxml_use_internal_errors(true);
            $doc = new \DOMDocument();
            $ok = $doc->loadXML($xml, LIBXML_NONET);
            libxml_clear_errors();
            libxml_use_internal_errors($previous);
            return $ok && $doc->documentElement && $doc->documentElement->localName === 'manifest'
                && $doc->getElementsByTagNameNS('*', 'resources')->length > 0;
        } finally {
            @unlink($path);
        }
    }

    /**
     * Creates the activity through create_module(), as the activity form would.
     *
     * @param \stdClass $course
     * @param array $p validated parameters
     * @param array $settings from settings()
     * @param \stored_file $package
     * @return array [cmid, status, packagechanged]
     */
    protected static function create(\stdClass $course, array $p, array $settings, \stored_file $package): array {
        $cfg = get_config('scorm');
        $moduleinfo = (object)array_merge([
            // Site defaults for what the sync does not set (the form's defaults come from the same settings).
            'width' => $cfg->framewidth, 'height' => $cfg->frameheight, 'skipview' => $cfg->skipview,
            'hidebrowse' => $cfg->hidebrowse, 'displaycoursestructure' => $cfg->displaycoursestructure,
            'hidetoc' => $cfg->hidetoc, 'nav' => $cfg->nav, 'navpositionleft' => $cfg->navpositionleft,
            'navpositiontop' => $cfg->navpositiontop, 'displayattemptstatus' => $cfg->displayattemptstatus,
            'forcenewattempt' => $cfg->forcenewattempt, 'lastattemptlock' => $cfg->lastattemptlock,
            'forcecompleted' => $cfg->forcecompleted, 'masteryoverride' => $cfg->masteryoverride,
            'auto' => $cfg->auto, 'autocommit' => $cfg->autocommit ?? 0,
        ], scorm_get_popup_options_array(), $settings, [
            'modulename' => 'scorm',
            'course' => $course->id,
            'section' => $p['section'],
            'visible' => (int)$p['visible'],
            'visibleoncoursepage' => 1,
            'cmidnumber' => $p['idnumber'],
            'name' => $p['name'],
            // IGNORE_FILE_MERGE: the description is plain HTML without embedded draft files.
            'introeditor' => ['text' => $p['intro'], 'format' => FORMAT_HTML, 'itemid' => IGNORE_FILE_MERGE],
            'scormtype' => SCORM_TYPE_LOCAL,
            'packagefile' => $p['draftitemid'],
            'updatefreq' => SCORM_UPDATE_NEVER,
            'timeopen' => 0,
            'timeclose' => 0,
        ]);
        if (!$p['visible']) {
            require_capability('moodle/course:activityvisibility', \context_course::instance($course->id));
        }
        $moduleinfo = create_module($moduleinfo);
        return [$moduleinfo->coursemodule, 'created', true];
    }

    /**
     * Updates settings and package in place when they differ from what is asked; otherwise writes nothing.
     *
     * @param \stdClass $course
     * @param \stdClass $cm course_modules record
     * @param array $p validated parameters
     * @param array $settings from settings()
     * @param \stored_file|null $package
     * @param \completion_info $completion
     * @param array $warnings appended to
     * @return array [cmid, status, packagechanged]
     */
    protected static function update(\stdClass $course, \stdClass $cm, array $p, array $settings,
            ?\stored_file $package, \completion_info $completion, array &$warnings): array {
        global $DB;
        $modcontext = \context_module::instance($cm->id);
        require_capability('moodle/course:manageactivities', $modcontext);
        $scorm = $DB->get_record('scorm', ['id' => $cm->instance], '*', MUST_EXIST);
        $currentsection = (int)$DB->get_field('course_sections', 'section', ['id' => $cm->section]);

        $packagechanged = $package && $package->get_contenthash() !== $scorm->sha1hash;
        $wanted = array_diff_key($settings, ['completion' => 1]) + [
            'name' => $p['name'], 'intro' => $p['intro'], 'introformat' => FORMAT_HTML];
        $changed = [];
        foreach ($wanted as $field => $value) {
            if (self::differs($scorm->$field, $value)) {
                $changed[] = $field;
            }
        }
        $completionchanged = $completion->is_enabled() && ((int)$cm->completion !== $settings['completion'] || array_intersect(
            $changed, ['completionstatusrequired', 'completionscorerequired', 'completionstatusallscos']));
        $visibilitychanged = (int)$cm->visible !== (int)$p['visible'];
        $moved = $currentsection !== $p['section'];
        if (!$packagechanged && !$changed && !$completionchanged && !$visibilitychanged && !$moved) {
            return [$cm->id, 'unchanged', false];
        }
        if ($visibilitychanged) {
            require_capability('moodle/course:activityvisibility', $modcontext);
        }

        $cminfo = get_coursemodule_from_id('scorm', $cm->id, 0, false, MUST_EXIST);
        [, , , $data] = get_moduleinfo_data($cminfo, $course);
        foreach (array_merge(scorm_get_popup_options_array(), $settings) as $field => $value) {
            $data->$field = $value;
        }
        $data->name = $p['name'];
        $data->introeditor = ['text' => $p['intro'], 'format' => FORMAT_HTML, 'itemid' => IGNORE_FILE_MERGE];
        $data->visible = (int)$p['visible'];
        // Only unlock (and so recalculate every learner's completion) when the rule itself changes.
        $data->completionunlocked = $completionchanged ? 1 : 0;
        if ($completionchanged && $DB->record_exists('course_modules_completion', ['coursemoduleid' => $cm->id])) {
            $warnings[] = self::warning('completionrecalculated', $p['idnumber']);
        }
        if ($packagechanged) {
            $data->scormtype = SCORM_TYPE_LOCAL;
            $data->packagefile = $p['draftitemid'];
        }
        update_module($data);

        if ($moved) {
            course_create_sections_if_missing($course, $p['section']);
            $sectioninfo = get_fast_modinfo($course)->get_section_info($p['section']);
            moveto_module(get_coursemodule_from_id('scorm', $cm->id, 0, false, MUST_EXIST), $sectioninfo);
        }
        return [$cm->id, 'updated', $packagechanged];
    }

    /**
     * Refuses a section beyond the next one, or a new one beyond the site's maximum (moodlecourse maxsections),
     * which course_create_sections_if_missing() would otherwise create, with every empty section in between.
     *
     * @param \stdClass $course
     * @param int $section
     */
    protected static function check_section(\stdClass $course, int $section): void {
        $format = course_get_format($course);
        $last = (int)$format->get_last_section_number();
        $allowed = $last < (int)$format->get_max_sections() ? $last + 1 : $last;
        if ($section > $allowed) {
            throw new \moodle_exception('invalidoption', 'local_lmsbridge', '', (object)[
                'name' => 'section', 'value' => $section, 'allowed' => "0 to $allowed"]);
        }
    }

    /**
     * Compares a stored value with a wanted one as Moodle stores it (numbers as strings, null as empty).
     *
     * @param mixed $stored
     * @param mixed $wanted
     * @return bool
     */
    protected static function differs($stored, $wanted): bool {
        if (is_float($wanted) || is_int($wanted)) {
            return $stored === null || $stored === '' || abs((float)$stored - (float)$wanted) > 1e-9;
        }
        return (string)$stored !== (string)$wanted;
    }

    /**
     * A warning in the shape of external_warnings.
     *
     * @param string $code lang string in local_lmsbridge
     * @param string $idnumber the activity
     * @param mixed $a extra for the string
     * @return array
     */
    protected static function warning(string $code, string $idnumber, $a = null): array {
        return ['item' => $idnumber, 'warningcode' => $code, 'message' => get_string('warning_' . $code,
            'local_lmsbridge', $a)];
    }
}
