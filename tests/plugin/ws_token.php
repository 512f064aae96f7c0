<?php
// This file is part of lmsbridge's tests (GPLv3 or later), not of the plugin.
//
// Shared by the test-setup scripts (sync_role.php, teacher_token.php), after config.php: the user's permanent
// token in an external service, made once and reused (and the user authorised, if the service is restricted).

/**
 * The user's permanent token in the service with this short name.
 *
 * @param string $serviceshortname
 * @param stdClass $user
 * @return string
 */
function lmsbridge_test_token(string $serviceshortname, stdClass $user): string {
    global $DB;
    $service = $DB->get_record('external_services', ['shortname' => $serviceshortname], '*', MUST_EXIST);
    if ($service->restrictedusers && !$DB->record_exists('external_services_users',
            ['externalserviceid' => $service->id, 'userid' => $user->id])) {
        $DB->insert_record('external_services_users', ['externalserviceid' => $service->id, 'userid' => $user->id,
            'timecreated' => time()]);
    }
    $token = $DB->get_field('external_tokens', 'token', ['externalserviceid' => $service->id, 'userid' => $user->id,
        'tokentype' => EXTERNAL_TOKEN_PERMANENT]);
    if (!$token) {
        $token = \core_external\util::generate_token(EXTERNAL_TOKEN_PERMANENT,
            \core_external\util::get_service_by_id($service->id), $user->id, context_system::instance());
    }
    return $token;
}
