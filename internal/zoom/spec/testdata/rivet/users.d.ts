type UsersGetUserSettingsResponse = {
    audio_conferencing?: {
        toll_free_and_fee_based_toll_call?: {
            allow_webinar_attendees_dial?: boolean;
            enable?: boolean;
            numbers?: {
                code?: string;
                country_code?: string;
                country_name?: string;
                display_number?: string;
                number?: string;
            }[];
        };
    };
    email_notification?: {
        alternative_host_reminder?: boolean;
        cancel_meeting_reminder?: boolean;
        cloud_recording_available_reminder?: boolean;
        jbh_reminder?: boolean;
        recording_available_reminder_alternative_hosts?: boolean;
        recording_available_reminder_schedulers?: boolean;
        schedule_for_reminder?: boolean;
    };
    feature?: {
        cn_meeting?: boolean;
        concurrent_meeting?: "Basic" | "Plus" | "None";
        in_meeting?: boolean;
        large_meeting?: boolean;
        large_meeting_capacity?: number;
        meeting_capacity?: number;
        webinar?: boolean;
        webinar_capacity?: number;
        zoom_events?: boolean;
        zoom_events_capacity?: 500 | 1000 | 3000 | 5000 | 10000 | 20000 | 30000 | 50000;
        zoom_events_unlimited?: boolean;
        zoom_events_unlimited_capacities?: (100 | 500 | 1000 | 3000 | 5000 | 10000 | 20000 | 30000 | 50000)[];
        zoom_sessions_unlimited?: boolean;
        zoom_sessions_unlimited_capacities?: (100 | 500 | 1000 | 3000 | 5000 | 10000 | 20000 | 30000 | 50000)[];
        zoom_events_pay_per_attendee?: boolean;
        zoom_sessions_pay_per_attendee?: boolean;
        zoom_phone?: boolean;
        zoom_iq_for_sales?: boolean;
        zoom_revenue_accelerator?: boolean;
        zoom_whiteboard?: boolean;
        zoom_whiteboard_plus?: boolean;
        zoom_translated_captions?: boolean;
        zoom_customer_managed_key?: boolean;
        zoom_huddles?: boolean;
        zoom_quality_management?: boolean;
        zoom_workforce_management?: boolean;
        zoom_scheduler?: boolean;
        zoom_clips_plus?: boolean;
        zoom_mail_calendar?: boolean;
        zoom_compliance_management?: boolean;
        zoom_docs?: boolean;
        license_info_list?: {
            license_type?: "ZOOM_WHITEBOARD" | "ZOOM_TRANSLATED_CAPTIONS" | "ZOOM_SCHEDULER" | "ZOOM_CLIPS" | "ZOOM_VISITOR_MANAGEMENT" | "ZOOM_CMK" | "ZOOM_DOCS" | "ZOOM_REVENUE_ACCELERATOR" | "ZOOM_COMPLIANCE_MANAGEMENT" | "ZOOM_WORKFORCE_MANAGEMENT" | "ZOOM_QUALITY_MANAGEMENT" | "ZOOM_HEALTHCARE_CLINICAL_NOTES";
            license_option?: 1 | 2 | 512 | 2048 | 65536 | 131072 | 2147483648 | 549755813888 | 1099511627776 | 2199023255552 | 8796093022208 | 17592186044416 | 281474976710656 | 4503599627370496;
            subscription_id?: string;
        }[];
    };
    in_meeting?: {
        allow_host_to_enable_focus_mode?: boolean;
        allow_users_to_delete_messages_in_meeting_chat?: boolean;
        allow_live_streaming?: boolean;
        post_meeting_feedback?: boolean;
        whiteboard?: boolean;
        allow_participants_chat_with?: 1 | 2 | 3 | 4;
        allow_users_save_chats?: 1 | 2 | 3;
        annotation?: boolean;
        attendee_on_hold?: boolean;
        attention_mode_focus_mode?: boolean;
        auto_saving_chat?: boolean;
        breakout_room?: boolean;
        breakout_room_schedule?: boolean;
        chat?: boolean;
        meeting_question_answer?: boolean;
        closed_caption?: boolean;
        closed_captioning?: {
            auto_transcribing?: boolean;
            enable?: boolean;
            save_caption?: boolean;
            third_party_captioning_service?: boolean;
            view_full_transcript?: boolean;
        };
        co_host?: boolean;
        custom_data_center_regions?: boolean;
        custom_live_streaming_service?: boolean;
        custom_service_instructions?: string;
        data_center_regions?: ("AU" | "LA" | "CA" | "CN" | "DE" | "HK" | "IN" | "IE" | "TY" | "MX" | "NL" | "SG" | "US")[];
        disable_screen_sharing_for_host_meetings?: boolean;
        disable_screen_sharing_for_in_meeting_guests?: boolean;
        e2e_encryption?: boolean;
        entry_exit_chime?: "host" | "all" | "none";
        far_end_camera_control?: boolean;
        feedback?: boolean;
        file_transfer?: boolean;
        group_hd?: boolean;
        webinar_group_hd?: boolean;
        join_from_desktop?: boolean;
        join_from_mobile?: boolean;
        language_interpretation?: {
            custom_languages?: string[];
            enable_language_interpretation_by_default?: boolean;
            allow_participants_to_speak_in_listening_channel?: boolean;
            allow_up_to_25_custom_languages_when_scheduling_meetings?: boolean;
            enable?: boolean;
            languages?: ("English" | "Chinese" | "Japanese" | "German" | "French" | "Russian" | "Portuguese" | "Spanish" | "Korean")[];
        };
        sign_language_interpretation?: {
            enable?: boolean;
            enable_sign_language_interpretation_by_default?: boolean;
            languages?: ("American" | "Chinese" | "French" | "German" | "Japanese" | "Russian" | "Brazilian" | "Spanish" | "Mexican" | "British")[];
            custom_languages?: string[];
        };
        live_streaming_facebook?: boolean;
        live_streaming_youtube?: boolean;
        manual_captioning?: {
            allow_to_type?: boolean;
            auto_generated_captions?: boolean;
            full_transcript?: boolean;
            manual_captions?: boolean;
            save_captions?: boolean;
            third_party_captioning_service?: boolean;
        };
        meeting_reactions?: boolean;
        meeting_reactions_emojis?: "all" | "selected";
        allow_host_panelists_to_use_audible_clap?: boolean;
        webinar_reactions?: boolean;
        meeting_survey?: boolean;
        non_verbal_feedback?: boolean;
        polling?: boolean;
        private_chat?: boolean;
        record_play_voice?: boolean;
        remote_control?: boolean;
        remote_support?: boolean;
        request_permission_to_unmute_participants?: boolean;
        screen_sharing?: boolean;
        share_dual_camera?: boolean;
        show_a_join_from_your_browser_link?: boolean;
        show_meeting_control_toolbar?: boolean;
        slide_control?: boolean;
        unchecked_data_center_regions?: ("EU" | "HK" | "AU" | "IN" | "TY" | "CN" | "US" | "CA" | "DE" | "NL" | "LA")[];
        virtual_background?: boolean;
        virtual_background_settings?: {
            allow_upload_custom?: boolean;
            allow_videos?: boolean;
            enable?: boolean;
            files?: {
                id?: string;
                is_default?: boolean;
                name?: string;
                size?: number;
                type?: string;
            }[];
        };
        waiting_room?: boolean;
        webinar_chat?: {
            allow_attendees_chat_with?: 1 | 2 | 3;
            allow_auto_save_local_chat_file?: boolean;
            allow_panelists_chat_with?: 1 | 2;
            allow_panelists_send_direct_message?: boolean;
            allow_users_save_chats?: 0 | 1 | 2;
            default_attendees_chat_with?: 1 | 2;
            enable?: boolean;
        };
        webinar_live_streaming?: {
            custom_service_instructions?: string;
            enable?: boolean;
            live_streaming_reminder?: boolean;
            live_streaming_service?: ("facebook" | "workplace_by_facebook" | "youtube" | "custom_live_streaming_service")[];
        };
        meeting_polling?: {
            advanced_polls?: boolean;
            allow_alternative_host_to_add_edit?: boolean;
            require_answers_to_be_anonymous?: boolean;
            allow_host_to_upload_image?: boolean;
            enable?: boolean;
        };
        webinar_polling?: {
            advanced_polls?: boolean;
            allow_alternative_host_to_add_edit?: boolean;
            require_answers_to_be_anonymous?: boolean;
            allow_host_to_upload_image?: boolean;
            enable?: boolean;
        };
        webinar_survey?: boolean;
        who_can_share_screen?: "host" | "all";
        who_can_share_screen_when_someone_is_sharing?: "host" | "all";
        participants_share_simultaneously?: "multiple" | "one";
        workplace_by_facebook?: boolean;
        transfer_meetings_between_devices?: boolean;
        allow_show_zoom_windows?: boolean;
        meeting_summary_with_ai_companion?: {
            enable?: boolean;
            auto_enable?: boolean;
            who_will_receive_summary?: 1 | 2 | 3 | 4;
        };
        ai_companion_questions?: {
            enable?: boolean;
            auto_enable?: boolean;
            who_can_ask_questions?: 1 | 2 | 3 | 4 | 5;
        };
    };
    profile?: {
        recording_storage_location?: {
            allowed_values?: string[];
            value?: string;
        };
    };
    recording?: {
        ask_host_to_confirm_disclaimer?: boolean;
        ask_participants_to_consent_disclaimer?: boolean;
        auto_delete_cmr?: boolean;
        auto_delete_cmr_days?: 30 | 60 | 90 | 120;
        record_files_separately?: {
            active_speaker?: boolean;
            gallery_view?: boolean;
            shared_screen?: boolean;
        };
        display_participant_name?: boolean;
        recording_thumbnails?: boolean;
        optimize_recording_for_3rd_party_video_editor?: boolean;
        recording_highlight?: boolean;
        save_panelist_chat?: boolean;
        save_poll_results?: boolean;
        save_close_caption?: boolean;
        auto_recording?: "local" | "cloud" | "none";
        cloud_recording?: boolean;
        host_pause_stop_recording?: boolean;
        ip_address_access_control?: {
            enable?: boolean;
            ip_addresses_or_ranges?: string;
        };
        local_recording?: boolean;
        record_audio_file?: boolean;
        record_gallery_view?: boolean;
        record_speaker_view?: boolean;
        recording_audio_transcript?: boolean;
        recording_disclaimer?: boolean;
        smart_recording?: {
            create_recording_highlights?: boolean;
            create_smart_chapters?: boolean;
            create_next_steps?: boolean;
        };
        recording_password_requirement?: {
            have_letter?: boolean;
            have_number?: boolean;
            have_special_character?: boolean;
            length?: number;
            only_allow_numeric?: boolean;
        };
        save_chat_text?: boolean;
        show_timestamp?: boolean;
    };
    schedule_meeting?: {
        audio_type?: "both" | "telephony" | "voip" | "thirdParty";
        default_password_for_scheduled_meetings?: string;
        embed_password_in_join_link?: boolean;
        force_pmi_jbh_password?: boolean;
        host_video?: boolean;
        join_before_host?: boolean;
        meeting_password_requirement?: {
            consecutive_characters_length?: 0 | 4 | 5 | 6 | 7 | 8;
            have_letter?: boolean;
            have_number?: boolean;
            have_special_character?: boolean;
            have_upper_and_lower_characters?: boolean;
            length?: number;
            only_allow_numeric?: boolean;
            weak_enhance_detection?: boolean;
        };
        participants_video?: boolean;
        personal_meeting?: boolean;
        pmi_password?: string;
        pstn_password_protected?: boolean;
        require_password_for_instant_meetings?: boolean;
        require_password_for_pmi_meetings?: "jbh_only" | "all" | "none";
        require_password_for_scheduled_meetings?: boolean;
        require_password_for_scheduling_new_meetings?: boolean;
        use_pmi_for_instant_meetings?: boolean;
        use_pmi_for_scheduled_meetings?: boolean;
        continuous_meeting_chat?: {
            enable?: boolean;
            can_add_external_users?: boolean;
            auto_add_invited_external_users?: boolean;
            support_instant_meetings?: boolean;
            support_scheduled_meetings?: boolean;
        };
    };
    telephony?: {
        audio_conference_info?: string;
        show_international_numbers_link?: boolean;
        telephony_regions?: {
            allowed_values?: string[];
            selection_values?: string;
        };
        third_party_audio?: boolean;
    };
    tsp?: {
        call_out?: boolean;
        call_out_countries?: object[];
        show_international_numbers_link?: boolean;
    };
    whiteboard?: {
        out_meeting_advanced_whiteboard?: boolean;
        in_meeting_advanced_whiteboard?: boolean;
    };
} | {
    authentication_options?: {
        meeting_authentication?: {
            allow_authentication_exception?: boolean;
            authentication_options?: {
                default_option?: boolean;
                domains?: string;
                id?: string;
                name?: string;
                type?: "enforce_login" | "enforce_login_with_domains" | "enforce_login_with_same_account";
                visible?: boolean;
            }[];
            meeting_authentication?: boolean;
        };
        recording_authentication?: {
            authentication_options?: {
                default_option?: boolean;
                domains?: string;
                id?: string;
                name?: string;
                type?: "enforce_login" | "enforce_login_with_domains" | "internally";
                visible?: boolean;
            }[];
            recording_authentication?: boolean;
        };
    };
} | ({
    allow_authentication_exception?: boolean;
    authentication_options?: {
        default_option?: boolean;
        domains?: string;
        id?: string;
        name?: string;
        type?: "enforce_login" | "enforce_login_with_same_account" | "enforce_login_with_domains";
        visible?: boolean;
    }[];
    meeting_authentication?: boolean;
} | {
    authentication_options?: {
        default_option?: boolean;
        domains?: string;
        id?: string;
        name?: string;
        type?: "internally" | "enforce_login" | "enforce_login_with_domains";
        visible?: boolean;
    }[];
    recording_authentication?: boolean;
}) | {
    meeting_security?: {
        auto_security?: boolean;
        block_user_domain?: boolean;
        block_user_domain_list?: string[];
        embed_password_in_join_link?: boolean;
        encryption_type?: "enhanced_encryption" | "e2ee";
        end_to_end_encrypted_meetings?: boolean;
        meeting_password?: boolean;
        meeting_password_requirement?: {
            consecutive_characters_length?: 0 | 4 | 5 | 6 | 7 | 8;
            have_letter?: boolean;
            have_number?: boolean;
            have_special_character?: boolean;
            have_upper_and_lower_characters?: boolean;
            length?: number;
            only_allow_numeric?: boolean;
            weak_enhance_detection?: boolean;
        };
        only_authenticated_can_join_from_webclient?: boolean;
        phone_password?: boolean;
        pmi_password?: boolean;
        require_password_for_scheduled_meeting?: boolean;
        require_password_for_scheduled_webinar?: boolean;
        waiting_room?: boolean;
        waiting_room_settings?: {
            participants_to_place_in_waiting_room?: 0 | 1 | 2;
            users_who_can_admit_participants_from_waiting_room?: 0 | 1;
            whitelisted_domains_for_waiting_room?: string;
        };
        webinar_password?: boolean;
    };
};
type UsersUpdateUserSettingsRequestBody = {
    email_notification?: {
        alternative_host_reminder?: boolean;
        cancel_meeting_reminder?: boolean;
        cloud_recording_available_reminder?: boolean;
        jbh_reminder?: boolean;
        recording_available_reminder_alternative_hosts?: boolean;
        recording_available_reminder_schedulers?: boolean;
        schedule_for_reminder?: boolean;
    };
    feature?: {
        concurrent_meeting?: "Basic" | "Plus" | "None";
        large_meeting?: boolean;
        large_meeting_capacity?: number;
        meeting_capacity?: number;
        webinar?: boolean;
        webinar_capacity?: 100 | 500 | 501 | 1000 | 1001 | 3000 | 5000 | 10000;
        zoom_events?: boolean;
        zoom_events_capacity?: 500 | 1000 | 3000 | 5000 | 10000 | 20000 | 30000 | 50000;
        zoom_events_unlimited?: boolean;
        zoom_events_unlimited_capacities?: (100 | 500 | 1000 | 3000 | 5000 | 10000 | 20000 | 30000 | 50000)[];
        zoom_sessions_unlimited?: boolean;
        zoom_sessions_unlimited_capacities?: (100 | 500 | 1000 | 3000 | 5000 | 10000 | 20000 | 30000 | 50000)[];
        zoom_events_pay_per_attendee?: boolean;
        zoom_sessions_pay_per_attendee?: boolean;
        zoom_phone?: boolean;
        zoom_iq_for_sales?: boolean;
        zoom_revenue_accelerator?: boolean;
        zoom_whiteboard?: boolean;
        zoom_whiteboard_plus?: boolean;
        zoom_translated_captions?: boolean;
        zoom_customer_managed_key?: boolean;
        zoom_huddles?: boolean;
        zoom_quality_management?: boolean;
        zoom_workforce_management?: boolean;
        zoom_scheduler?: boolean;
        zoom_clips_plus?: boolean;
        zoom_mail_calendar?: boolean;
        zoom_compliance_management?: boolean;
        zoom_docs?: boolean;
        license_info_list?: {
            license_type: "ZOOM_WHITEBOARD" | "ZOOM_TRANSLATED_CAPTIONS" | "ZOOM_SCHEDULER" | "ZOOM_CLIPS" | "ZOOM_VISITOR_MANAGEMENT" | "ZOOM_CMK" | "ZOOM_DOCS" | "ZOOM_REVENUE_ACCELERATOR" | "ZOOM_COMPLIANCE_MANAGEMENT" | "ZOOM_WORKFORCE_MANAGEMENT" | "ZOOM_QUALITY_MANAGEMENT" | "ZOOM_HEALTHCARE_CLINICAL_NOTES";
            license_option: 1 | 2 | 512 | 2048 | 65536 | 131072 | 2147483648 | 549755813888 | 1099511627776 | 2199023255552 | 8796093022208 | 17592186044416 | 281474976710656 | 4503599627370496;
            subscription_id?: string;
        }[];
    };
    in_meeting?: {
        allow_host_to_enable_focus_mode?: boolean;
        allow_users_to_delete_messages_in_meeting_chat?: boolean;
        allow_live_streaming?: boolean;
        post_meeting_feedback?: boolean;
        whiteboard?: boolean;
        allow_participants_chat_with?: 1 | 2 | 3 | 4;
        allow_users_save_chats?: 1 | 2 | 3;
        annotation?: boolean;
        attendee_on_hold?: boolean;
        attention_mode_focus_mode?: boolean;
        auto_saving_chat?: boolean;
        breakout_room?: boolean;
        breakout_room_schedule?: boolean;
        chat?: boolean;
        meeting_question_answer?: boolean;
        closed_caption?: boolean;
        closed_captioning?: {
            auto_transcribing?: boolean;
            enable?: boolean;
            save_caption?: boolean;
            third_party_captioning_service?: boolean;
            view_full_transcript?: boolean;
        };
        co_host?: boolean;
        custom_data_center_regions?: boolean;
        custom_live_streaming_service?: boolean;
        custom_service_instructions?: string;
        data_center_regions?: ("AU" | "LA" | "CA" | "CN" | "DE" | "HK" | "IN" | "IE" | "TY" | "MX" | "NL" | "SG" | "US")[];
        disable_screen_sharing_for_host_meetings?: boolean;
        disable_screen_sharing_for_in_meeting_guests?: boolean;
        e2e_encryption?: boolean;
        entry_exit_chime?: "host" | "all" | "none";
        far_end_camera_control?: boolean;
        feedback?: boolean;
        file_transfer?: boolean;
        group_hd?: boolean;
        webinar_group_hd?: boolean;
        join_from_desktop?: boolean;
        join_from_mobile?: boolean;
        language_interpretation?: {
            custom_languages?: string[];
            enable_language_interpretation_by_default?: boolean;
            allow_participants_to_speak_in_listening_channel?: boolean;
            allow_up_to_25_custom_languages_when_scheduling_meetings?: boolean;
            enable?: boolean;
        };
        sign_language_interpretation?: {
            enable?: boolean;
            enable_sign_language_interpretation_by_default?: boolean;
            languages?: ("American" | "Chinese" | "French" | "German" | "Japanese" | "Russian" | "Brazilian" | "Spanish" | "Mexican" | "British")[];
            custom_languages?: string[];
        };
        live_streaming_facebook?: boolean;
        live_streaming_youtube?: boolean;
        manual_captioning?: {
            allow_to_type?: boolean;
            auto_generated_captions?: boolean;
            full_transcript?: boolean;
            manual_captions?: boolean;
            save_captions?: boolean;
            third_party_captioning_service?: boolean;
        };
        meeting_reactions?: boolean;
        meeting_reactions_emojis?: "all" | "selected";
        allow_host_panelists_to_use_audible_clap?: boolean;
        webinar_reactions?: boolean;
        meeting_survey?: boolean;
        non_verbal_feedback?: boolean;
        polling?: boolean;
        private_chat?: boolean;
        record_play_voice?: boolean;
        remote_control?: boolean;
        remote_support?: boolean;
        request_permission_to_unmute_participants?: boolean;
        screen_sharing?: boolean;
        share_dual_camera?: boolean;
        show_a_join_from_your_browser_link?: boolean;
        show_meeting_control_toolbar?: boolean;
        slide_control?: boolean;
        virtual_background?: boolean;
        virtual_background_settings?: {
            allow_upload_custom?: boolean;
            allow_videos?: boolean;
            enable?: boolean;
            files?: {
                id?: string;
                is_default?: boolean;
                name?: string;
                size?: number;
                type?: string;
            }[];
        };
        waiting_room?: boolean;
        webinar_chat?: {
            allow_attendees_chat_with?: 1 | 2 | 3;
            allow_auto_save_local_chat_file?: boolean;
            allow_panelists_chat_with?: 1 | 2;
            allow_panelists_send_direct_message?: boolean;
            allow_users_save_chats?: 0 | 1 | 2;
            default_attendees_chat_with?: 1 | 2;
            enable?: boolean;
        };
        webinar_live_streaming?: {
            custom_service_instructions?: string;
            enable?: boolean;
            live_streaming_reminder?: boolean;
            live_streaming_service?: ("facebook" | "workplace_by_facebook" | "youtube" | "custom_live_streaming_service")[];
        };
        meeting_polling?: {
            advanced_polls?: boolean;
            allow_alternative_host_to_add_edit?: boolean;
            require_answers_to_be_anonymous?: boolean;
            allow_host_to_upload_image?: boolean;
            enable?: boolean;
        };
        webinar_polling?: {
            advanced_polls?: boolean;
            allow_alternative_host_to_add_edit?: boolean;
            require_answers_to_be_anonymous?: boolean;
            allow_host_to_upload_image?: boolean;
            enable?: boolean;
        };
        webinar_survey?: boolean;
        who_can_share_screen?: "host" | "all";
        who_can_share_screen_when_someone_is_sharing?: "host" | "all";
        participants_share_simultaneously?: "multiple" | "one";
        workplace_by_facebook?: boolean;
        auto_answer?: boolean;
        allow_show_zoom_windows?: boolean;
    };
    profile?: {
        recording_storage_location?: {
            allowed_values?: string[];
            value?: string;
        };
    };
    recording?: {
        ask_host_to_confirm_disclaimer?: boolean;
        ask_participants_to_consent_disclaimer?: boolean;
        auto_delete_cmr?: boolean;
        auto_delete_cmr_days?: 30 | 60 | 90 | 120;
        record_files_separately?: {
            active_speaker?: boolean;
            gallery_view?: boolean;
            shared_screen?: boolean;
        };
        display_participant_name?: boolean;
        recording_thumbnails?: boolean;
        optimize_recording_for_3rd_party_video_editor?: boolean;
        recording_highlight?: boolean;
        save_panelist_chat?: boolean;
        save_poll_results?: boolean;
        save_close_caption?: boolean;
        auto_recording?: "local" | "cloud" | "none";
        cloud_recording?: boolean;
        host_pause_stop_recording?: boolean;
        ip_address_access_control?: {
            enable?: boolean;
            ip_addresses_or_ranges?: string;
        };
        local_recording?: boolean;
        record_audio_file?: boolean;
        record_gallery_view?: boolean;
        record_speaker_view?: boolean;
        recording_audio_transcript?: boolean;
        recording_disclaimer?: boolean;
        smart_recording?: {
            create_recording_highlights?: boolean;
            create_smart_chapters?: boolean;
            create_next_steps?: boolean;
        };
        recording_password_requirement?: {
            have_letter?: boolean;
            have_number?: boolean;
            have_special_character?: boolean;
            length?: number;
            only_allow_numeric?: boolean;
        };
        save_chat_text?: boolean;
        show_timestamp?: boolean;
    };
    schedule_meeting?: {
        audio_type?: "both" | "telephony" | "voip" | "thirdParty";
        default_password_for_scheduled_meetings?: string;
        embed_password_in_join_link?: boolean;
        force_pmi_jbh_password?: boolean;
        host_video?: boolean;
        join_before_host?: boolean;
        meeting_password_requirement?: {
            consecutive_characters_length?: 0 | 4 | 5 | 6 | 7 | 8;
            have_letter?: boolean;
            have_number?: boolean;
            have_special_character?: boolean;
            have_upper_and_lower_characters?: boolean;
            length?: number;
            only_allow_numeric?: boolean;
            weak_enhance_detection?: boolean;
        };
        participants_video?: boolean;
        personal_meeting?: boolean;
        pmi_password?: string;
        pstn_password_protected?: boolean;
        require_password_for_instant_meetings?: boolean;
        require_password_for_pmi_meetings?: "jbh_only" | "all" | "none";
        require_password_for_scheduled_meetings?: boolean;
        require_password_for_scheduling_new_meetings?: boolean;
        use_pmi_for_instant_meetings?: boolean;
        use_pmi_for_scheduled_meetings?: boolean;
    };
    telephony?: {
        audio_conference_info?: string;
        show_international_numbers_link?: boolean;
        telephony_regions?: {
            selection_values?: string;
        };
        third_party_audio?: boolean;
    };
    tsp?: {
        call_out?: boolean;
        call_out_countries?: object[];
        show_international_numbers_link?: boolean;
    };
} | ({
    authentication_option?: {
        action?: "update" | "show" | "hide";
        default_option?: boolean;
        domains?: string;
        id?: string;
        name?: string;
        type?: "enforce_login" | "enforce_login_with_same_account" | "enforce_login_with_domains";
    };
    meeting_authentication?: boolean;
} | {
    authentication_option?: {
        action?: "update" | "show" | "hide";
        default_option?: boolean;
        domains?: string;
        id?: string;
        name?: string;
        type?: "internally" | "enforce_login" | "enforce_login_with_domains";
    };
    recording_authentication?: boolean;
}) | {
    meeting_security?: {
        auto_security?: boolean;
        block_user_domain?: boolean;
        block_user_domain_list?: string[];
        embed_password_in_join_link?: boolean;
        encryption_type?: "enhanced_encryption" | "e2ee";
        end_to_end_encrypted_meetings?: boolean;
        meeting_password?: boolean;
        meeting_password_requirement?: {
            consecutive_characters_length?: 0 | 4 | 5 | 6 | 7 | 8;
            have_letter?: boolean;
            have_number?: boolean;
            have_special_character?: boolean;
            have_upper_and_lower_characters?: boolean;
            length?: number;
            only_allow_numeric?: boolean;
            weak_enhance_detection?: boolean;
        };
        only_authenticated_can_join_from_webclient?: boolean;
        phone_password?: boolean;
        pmi_password?: boolean;
        require_password_for_scheduled_meeting?: boolean;
        require_password_for_scheduled_webinar?: boolean;
        waiting_room?: boolean;
        waiting_room_settings?: {
            participants_to_place_in_waiting_room?: 0 | 1 | 2;
            users_who_can_admit_participants_from_waiting_room?: 0 | 1;
            whitelisted_domains_for_waiting_room?: string;
        };
        webinar_password?: boolean;
    };
};
type UsersGetUserResponse = {
    id?: string;
} & {
    created_at?: string;
    dept?: string;
    email?: string;
    first_name?: string;
    last_client_version?: string;
    last_login_time?: string;
    last_name?: string;
    pmi?: number;
    role_name?: string;
    timezone?: string;
    type: 1 | 2 | 4 | 99;
    use_pmi?: boolean;
    display_name?: string;
} & {
    account_id?: string;
    account_number?: number;
    cms_user_id?: string;
    company?: string;
    created_at?: string;
    user_created_at?: string;
    custom_attributes?: {
        key?: string;
        name?: string;
        value?: string;
    }[];
    employee_unique_id?: string;
    group_ids?: string[];
    division_ids?: string[];
    im_group_ids?: string[];
    jid?: string;
    job_title?: string;
    cost_center?: string;
    language?: string;
    location?: string;
    login_types?: (0 | 1 | 11 | 21 | 23 | 24 | 27 | 97 | 98 | 99 | 100 | 101)[];
    manager?: string;
    personal_meeting_url?: string;
    phone_country?: string;
    phone_number?: string;
    phone_numbers?: {
        code?: string;
        country?: string;
        label?: "Mobile" | "Office" | "Home" | "Fax";
        number?: string;
        verified?: boolean;
    }[];
    pic_url?: string;
    plan_united_type?: "1" | "2" | "4" | "8" | "16" | "32" | "64" | "128" | "256" | "512" | "1024" | "2048" | "4096" | "8192" | "16384" | "32768" | "65536" | "131072";
    pronouns?: string;
    pronouns_option?: 1 | 2 | 3;
    role_id?: string;
    status?: "pending" | "active" | "inactive";
    use_pmi?: boolean;
    vanity_url?: string;
    verified?: number;
    cluster?: string;
    zoom_one_type?: number;
    license_info_list?: {
        license_type?: "MEETING" | "ZOOM_WORKPLACE_BUNDLE";
        license_option?: 2 | 4 | 8 | 16 | 32 | 64 | 128 | 33554432 | 134217728 | 1073741824 | 536870912 | 268435456 | 4398046511104 | 18014398509481984 | 72057594037927940 | 576460752303423500 | 144115188075855870 | 137438953472 | 1099511627776 | 549755813888 | 274877906944 | 2199023255552 | 4294967296 | 34359738368 | 17179869184 | 8589934592 | 68719476736;
        subscription_id?: string;
    }[];
};
type UsersListUsersResponse = {
    next_page_token?: string;
    page_count?: number;
    page_number?: number;
    page_size?: number;
    total_records?: number;
    users?: {
        user_created_at?: string;
        created_at?: string;
        custom_attributes?: {
            key?: string;
            name?: string;
            value?: string;
        }[];
        dept?: string;
        email: string;
        employee_unique_id?: string;
        first_name?: string;
        group_ids?: string[];
        division_ids?: string[];
        host_key?: string;
        id?: string;
        im_group_ids?: string[];
        last_client_version?: string;
        last_login_time?: string;
        last_name?: string;
        plan_united_type?: "1" | "2" | "4" | "8" | "16" | "32" | "64" | "128" | "256" | "512" | "1024" | "2048" | "4096" | "8192" | "16384" | "32768" | "65536" | "131072";
        pmi?: number;
        role_id?: string;
        status?: "active" | "inactive" | "pending";
        timezone?: string;
        type: 1 | 2 | 4 | 99;
        verified?: 1 | 0;
        display_name?: string;
        license_info_list?: {
            license_type?: "MEETING" | "ZOOM_WORKPLACE_BUNDLE";
            license_option?: 2 | 4 | 8 | 16 | 32 | 64 | 128 | 33554432 | 134217728 | 1073741824 | 536870912 | 268435456 | 4398046511104 | 18014398509481984 | 72057594037927940 | 576460752303423500 | 144115188075855870 | 137438953472 | 1099511627776 | 549755813888 | 274877906944 | 2199023255552 | 4294967296 | 34359738368 | 17179869184 | 8589934592 | 68719476736;
            subscription_id?: string;
        }[];
    }[];
};
type UsersCreateUsersResponse = {
    email?: string;
    first_name?: string;
    id?: string;
    last_name?: string;
    type?: 1 | 2 | 4 | 99;
};
type UsersCheckUserEmailResponse = {
    existed_email?: boolean;
};
