type AccountsGetAccountSettingsResponse = {
    security?: {
        admin_change_name_pic?: boolean;
        admin_change_user_info?: boolean;
        user_modifiable_info_by_admin?: ("name" | "profile_picture" | "sign_in_email" | "host_key")[];
        signin_with_sso?: {
            enable?: boolean;
            require_sso_for_domains?: boolean;
            domains?: string[];
            sso_bypass_users?: {
                id?: string;
                email?: string;
            }[];
        };
        hide_billing_info?: boolean;
        import_photos_from_devices?: boolean;
        password_requirement?: {
            consecutive_characters_length?: number;
            have_special_character?: boolean;
            minimum_password_length?: number;
            weak_enhance_detection?: boolean;
        };
        sign_again_period_for_inactivity_on_client?: number;
        sign_again_period_for_inactivity_on_web?: number;
        sign_in_with_two_factor_auth?: "all" | "group" | "role" | "none";
        sign_in_with_two_factor_auth_groups?: string[];
        sign_in_with_two_factor_auth_roles?: string[];
    };
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
    chat?: {
        allow_bots_chat?: boolean;
        share_files?: {
            enable?: boolean;
            share_option?: "disable" | "anyone" | "account" | "organization";
            view_option?: "anyone" | "account" | "organization";
            restrictions?: {
                only_allow_specific_file_types?: boolean;
                file_type_restrictions?: (".gz" | ".rar" | ".zip" | ".xls" | ".xlsx" | ".json" | ".png" | ".pptx" | ".ppt" | ".7z" | ".xmind" | ".pdf" | ".pps" | ".txt" | ".docx" | ".doc")[];
                file_type_restrictions_for_external?: (".gz" | ".rar" | ".zip" | ".xls" | ".xlsx" | ".json" | ".png" | ".pptx" | ".ppt" | ".7z" | ".xmind" | ".pdf" | ".pps" | ".txt" | ".docx" | ".doc")[];
                maximum_file_size?: boolean;
                file_size_restrictions?: 50 | 100 | 200 | 300 | 400 | 500;
                file_size_restrictions_for_external?: 50 | 100 | 200 | 300 | 400 | 500;
                file_restrictions_apply_to?: "sharing_and_viewing" | "sharing";
            };
        };
        chat_emojis?: {
            enable?: boolean;
            emojis_option?: "all" | "selected";
        };
        record_voice_messages?: boolean;
        record_video_messages?: boolean;
        screen_capture?: boolean;
        create_public_channels?: boolean;
        create_private_channels?: boolean;
        create_group_chat?: boolean;
        share_links_in_chat?: boolean;
        schedule_meetings_in_chat?: boolean;
        set_retention_period_in_cloud?: {
            enable?: boolean;
            retention_period_of_direct_messages_and_group_conversation?: string;
            retention_period_of_channels?: string;
        };
        set_retention_period_in_local?: {
            enable?: boolean;
            retention_period_of_direct_messages_and_group_conversation?: string;
            retention_period_of_channels?: string;
        };
        allow_users_to_add_contacts?: {
            enable?: boolean;
            selected_option?: 1 | 2 | 3 | 4;
            user_email_addresses?: string;
        };
        allow_users_to_chat_with_others?: {
            enable?: boolean;
            selected_option?: 1 | 2 | 3 | 4;
            user_email_addresses?: string;
        };
        chat_etiquette_tool?: {
            enable?: boolean;
            policies?: {
                description?: string;
                id?: string;
                is_locked?: boolean;
                keywords?: string[];
                name?: string;
                regular_expression?: string;
                status?: "activated" | "deactivated";
                trigger_action?: 1 | 2;
            }[];
            policy_max_count?: number;
        };
        send_data_to_third_party_archiving_service?: {
            enable?: boolean;
            type?: "global_relay" | "smarsh";
            smtp_delivery_address?: string;
            user_name?: string;
            passcode?: string;
            authorized_channel_token?: string;
        };
        apply_local_storage_to_personal_channel?: {
            enable?: boolean;
            retention_period?: string;
        };
        translate_messages?: boolean;
        search_and_send_animated_gif_images?: {
            enable?: boolean;
            giphy_content_rating?: 1 | 2 | 3 | 4;
        };
        external_collab_restrict?: {
            enable?: boolean;
            external_chat?: "allowed" | "not_allowed";
            group_id?: string;
        };
        external_user_control?: {
            enable?: boolean;
            selected_option?: 1 | 2 | 3;
            external_account?: boolean;
        };
        external_invite_approve?: {
            enable?: boolean;
            selected_option?: 1 | 2;
            channel_id?: string;
            external_account?: boolean;
        };
        external_member_join?: {
            enable?: boolean;
            external_account?: boolean;
        };
        external_join_approve?: {
            enable?: boolean;
            selected_option?: 1 | 2;
            channel_id?: string;
            external_account?: boolean;
        };
        download_file?: boolean;
        share_screen_in_chat?: boolean;
        code_snippet?: boolean;
        personal_channel?: boolean;
        store_revise_chat?: boolean;
        set_chat_as_default_tab?: boolean;
        hyper_link?: boolean;
        suppress_removal_notification?: boolean;
        suppress_user_group_notification?: boolean;
        allow_remove_msg_by_owner_and_admins?: boolean;
        allow_huddles_from_channels?: boolean;
        shared_spaces?: boolean;
        chat_email_address?: {
            enable?: boolean;
            only_allow_specific_domains?: boolean;
            specific_domains?: string[];
        };
        read_receipts?: {
            enable?: boolean;
            allow_users_opt_out?: boolean;
        };
        allow_delete_message?: {
            enable?: boolean;
            time?: 0 | 5 | 30 | 60 | 1440 | 10080;
        };
        allow_edit_message?: {
            enable?: boolean;
            time?: 0 | 5 | 30 | 60 | 1440 | 10080;
        };
        show_status_to_internal_contact?: boolean;
        presence_on_meeting?: boolean;
        presence_away_when_screen_saver?: boolean;
        show_h323_contact_tab?: boolean;
        ai_summary?: {
            enable?: boolean;
            shown_in_team_chat?: boolean;
        };
        ai_compose?: {
            enable?: boolean;
            shown_in_team_chat?: boolean;
        };
        ai_recommend?: boolean;
        ai_quick_reply?: boolean;
        ai_sentence_completion?: boolean;
        ai_quick_schedule?: boolean;
        survey_poll?: boolean;
    };
    email_notification?: {
        alternative_host_reminder?: boolean;
        cancel_meeting_reminder?: boolean;
        cloud_recording_available_reminder?: boolean;
        jbh_reminder?: boolean;
        low_host_count_reminder?: boolean;
        recording_available_reminder_alternative_hosts?: boolean;
        recording_available_reminder_schedulers?: boolean;
        schedule_for_reminder?: boolean;
    };
    feature?: {
        meeting_capacity?: number;
    };
    in_meeting?: {
        auto_generated_translation?: {
            language_item_pairList?: {
                trans_lang_config?: {
                    speak_language?: {
                        name?: "Chinese (Simplified)" | "Dutch" | "English" | "French" | "German" | "Italian" | "Japanese" | "Korean" | "Portuguese" | "Russian" | "Spanish" | "Ukrainian";
                        code?: "zh" | "nl" | "en" | "fr" | "de" | "it" | "ja" | "ko" | "pt" | "ru" | "es" | "uk";
                    };
                    translate_to?: {
                        all?: boolean;
                        language_config?: {
                            name?: "English";
                            code?: "en";
                        }[];
                    };
                }[];
                all?: boolean;
            };
            enable?: boolean;
        };
        alert_guest_join?: boolean;
        allow_host_to_enable_focus_mode?: boolean;
        allow_live_streaming?: boolean;
        allow_participants_chat_with?: 1 | 2 | 3 | 4;
        allow_participants_to_rename?: boolean;
        allow_show_zoom_windows?: boolean;
        allow_users_save_chats?: 1 | 2 | 3;
        annotation?: boolean;
        anonymous_question_answer?: boolean;
        attendee_on_hold?: boolean;
        attention_mode_focus_mode?: boolean;
        auto_answer?: boolean;
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
        meeting_data_transit_and_residency_method?: "cloud" | "On-Prem";
        data_center_regions?: ("AU" | "LA" | "CA" | "CN" | "DE" | "HK" | "IN" | "IE" | "TY" | "MX" | "NL" | "SG" | "US")[];
        disable_screen_sharing_for_host_meetings?: boolean;
        disable_screen_sharing_for_in_meeting_guests?: boolean;
        dscp_audio?: number;
        dscp_marking?: boolean;
        dscp_video?: number;
        dscp_dual?: boolean;
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
            enable?: boolean;
            enable_language_interpretation_by_default?: boolean;
            allow_participants_to_speak_in_listening_channel?: boolean;
            allow_up_to_25_custom_languages_when_scheduling_meetings?: boolean;
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
        meeting_polling?: {
            advanced_polls?: boolean;
            allow_alternative_host_to_add_edit?: boolean;
            manage_saved_polls_and_quizzes?: boolean;
            allow_host_to_upload_image?: boolean;
            require_answers_to_be_anonymous?: boolean;
            enable?: boolean;
        };
        meeting_reactions?: boolean;
        meeting_reactions_emojis?: "all" | "selected";
        allow_host_panelists_to_use_audible_clap?: boolean;
        webinar_reactions?: boolean;
        meeting_survey?: boolean;
        original_audio?: boolean;
        p2p_connetion?: boolean;
        p2p_ports?: boolean;
        polling?: boolean;
        ports_range?: string;
        post_meeting_feedback?: boolean;
        private_chat?: boolean;
        record_play_own_voice?: boolean;
        remote_control?: boolean;
        non_verbal_feedback?: boolean;
        remote_support?: boolean;
        request_permission_to_unmute_participants?: boolean;
        screen_sharing?: boolean;
        sending_default_email_invites?: boolean;
        show_a_join_from_your_browser_link?: boolean;
        show_meeting_control_toolbar?: boolean;
        slide_control?: boolean;
        stereo_audio?: boolean;
        unchecked_data_center_regions?: ("EU" | "HK" | "AU" | "IN" | "TY" | "CN" | "US" | "CA" | "DE" | "NL" | "LA")[];
        use_html_format_email?: boolean;
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
        watermark?: boolean;
        webinar_chat?: {
            allow_attendees_chat_with?: 1 | 2 | 3;
            allow_auto_save_local_chat_file?: boolean;
            allow_panelists_chat_with?: 1 | 2;
            allow_panelists_send_direct_message?: boolean;
            allow_users_save_chats?: 0 | 1 | 2;
            allow_users_to_delete_messages_in_meeting_chat?: boolean;
            default_attendees_chat_with?: 1 | 2;
            enable?: boolean;
        };
        webinar_live_streaming?: {
            custom_service_instructions?: string;
            enable?: boolean;
            live_streaming_reminder?: boolean;
            live_streaming_service?: ("facebook" | "workplace_by_facebook" | "youtube" | "custom_live_streaming_service")[];
        };
        webinar_polling?: {
            advanced_polls?: boolean;
            allow_alternative_host_to_add_edit?: boolean;
            require_answers_to_be_anonymous?: boolean;
            manage_saved_polls_and_quizzes?: boolean;
            allow_host_to_upload_image?: boolean;
            enable?: boolean;
        };
        webinar_question_answer?: boolean;
        webinar_survey?: boolean;
        whiteboard?: boolean;
        who_can_share_screen?: "host" | "all";
        who_can_share_screen_when_someone_is_sharing?: "host" | "all";
        participants_share_simultaneously?: "multiple" | "one";
        workplace_by_facebook?: boolean;
        transfer_meetings_between_devices?: boolean;
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
    integration?: {
        box?: boolean;
        dropbox?: boolean;
        google_calendar?: boolean;
        google_drive?: boolean;
        kubi?: boolean;
        microsoft_one_drive?: boolean;
    };
    other_options?: {
        allow_auto_active_users?: boolean;
        allow_users_contact_support_via_chat?: boolean;
        allow_users_enter_and_share_pronouns?: boolean;
        blur_snapshot?: boolean;
        display_meetings_scheduled_for_others?: boolean;
        meeting_qos_and_mos?: 0 | 1 | 2 | 3;
        show_one_user_meeting_on_dashboard?: boolean;
        use_cdn?: "none" | "default" | "wangsu";
        webinar_registration_options?: {
            allow_host_to_enable_join_info?: boolean;
            allow_host_to_enable_social_share_buttons?: boolean;
            enable_custom_questions?: boolean;
        };
        email_in_attendee_report_for_meeting?: boolean;
    };
    profile?: {
        recording_storage_location?: {
            allowed_values?: string[];
            value?: string;
        };
    };
    recording?: {
        account_user_access_recording?: boolean;
        allow_recovery_deleted_cloud_recordings?: boolean;
        archive?: {
            enable?: boolean;
            settings?: {
                audio_file?: boolean;
                cc_transcript_file?: boolean;
                chat_file?: boolean;
                chat_with_sender_email?: boolean;
                video_file?: boolean;
                chat_with_direct_message?: boolean;
                archive_retention?: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 20 | 21 | 22 | 23 | 24 | 25 | 26 | 27 | 28 | 29 | 30;
                action_when_archive_failed?: 1 | 2;
                notification_when_archiving_starts?: "participants" | "guest";
                play_voice_prompt_when_archiving_starts?: "participants" | "guest" | "none";
            };
            type?: 1 | 2 | 3;
        };
        auto_delete_cmr?: boolean;
        auto_delete_cmr_days?: 30 | 60 | 90 | 120;
        auto_recording?: "local" | "cloud" | "none";
        cloud_recording?: boolean;
        cloud_recording_download?: boolean;
        cloud_recording_download_host?: boolean;
        display_participant_name?: boolean;
        host_delete_cloud_recording?: boolean;
        ip_address_access_control?: {
            enable?: boolean;
            ip_addresses_or_ranges?: string;
        };
        local_recording?: boolean;
        optimize_recording_for_3rd_party_video_editor?: boolean;
        prevent_host_access_recording?: boolean;
        record_audio_file?: boolean;
        record_audio_file_each_participant?: boolean;
        record_files_separately?: {
            active_speaker?: boolean;
            gallery_view?: boolean;
            shared_screen?: boolean;
        };
        record_gallery_view?: boolean;
        record_speaker_view?: boolean;
        recording_audio_transcript?: boolean;
        recording_disclaimer?: boolean;
        recording_highlight?: boolean;
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
        recording_thumbnails?: boolean;
        required_password_for_existing_cloud_recordings?: boolean;
        required_password_for_shared_cloud_recordings?: boolean;
        save_chat_text?: boolean;
        save_close_caption?: boolean;
        save_panelist_chat?: boolean;
        save_poll_results?: boolean;
        show_timestamp?: boolean;
    };
    schedule_meeting?: {
        audio_type?: "both" | "telephony" | "voip" | "thirdParty";
        enforce_login?: boolean;
        enforce_login_domains?: string;
        enforce_login_with_domains?: boolean;
        force_pmi_jbh_password?: boolean;
        host_video?: boolean;
        enable_dedicated_group_chat?: boolean;
        jbh_time?: 0 | 5 | 10 | 15;
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
        not_store_meeting_topic?: boolean;
        participant_video?: boolean;
        allow_host_to_disable_participant_video?: boolean;
        personal_meeting?: boolean;
        require_password_for_instant_meetings?: boolean;
        require_password_for_pmi_meetings?: "jbh_only" | "all" | "none";
        require_password_for_scheduled_meetings?: boolean;
        require_password_for_scheduling_new_meetings?: boolean;
        use_pmi_for_instant_meetings?: boolean;
        use_pmi_for_scheduled_meetings?: boolean;
        always_display_zoom_meeting_as_topic?: {
            enable?: boolean;
            display_topic_for_scheduled_meetings?: boolean;
        };
        hide_meeting_description?: {
            enable?: boolean;
            hide_description_for_scheduled_meetings?: boolean;
        };
        always_display_zoom_webinar_as_topic?: {
            enable?: boolean;
            display_topic_for_scheduled_webinars?: boolean;
        };
        hide_webinar_description?: {
            enable?: boolean;
            hide_description_for_scheduled_webinars?: boolean;
        };
        meeting_template?: {
            enable?: boolean;
            templates?: {
                id?: string;
                name?: string;
                enable?: boolean;
            }[];
        };
        continuous_meeting_chat?: {
            enable?: boolean;
            can_add_external_users?: boolean;
            auto_add_invited_external_users?: boolean;
        };
    };
    telephony?: {
        audio_conference_info?: string;
        telephony_regions?: {
            allowed_values?: string[];
            selection_values?: string;
        };
        third_party_audio?: boolean;
    };
    tsp?: {
        call_out?: boolean;
        call_out_countries?: string[];
        display_toll_free_numbers?: boolean;
        show_international_numbers_link?: boolean;
    };
    zoom_rooms?: {
        auto_start_stop_scheduled_meetings?: boolean;
        cmr_for_instant_meeting?: boolean;
        force_private_meeting?: boolean;
        hide_host_information?: boolean;
        list_meetings_with_calendar?: boolean;
        start_airplay_manually?: boolean;
        ultrasonic?: boolean;
        upcoming_meeting_alert?: boolean;
        weekly_system_restart?: boolean;
        zr_post_meeting_feedback?: boolean;
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
        chat_etiquette_tool?: {
            enable?: boolean;
            policies?: {
                description?: string;
                id?: string;
                is_locked?: boolean;
                keywords?: string[];
                name?: string;
                regular_expression?: string;
                status?: "activated" | "deactivated";
                trigger_action?: 1 | 2;
            }[];
            policy_max_count?: number;
        };
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
        waiting_room_options?: {
            enable?: boolean;
            locked?: boolean;
            admit_type?: 1 | 2 | 3 | 4;
            internal_user_auto_admit?: 1 | 2 | 3 | 4 | 5;
            admit_domain_allowlist?: string;
            who_can_admit_participants?: 0 | 1;
            sort_order_of_people?: 0 | 1;
            more_options?: {
                user_invited_by_host_can_bypass_waiting_room?: boolean;
                move_participants_to_waiting_room_when_host_dropped?: boolean;
                allow_participants_to_reply_to_host?: boolean;
            };
        };
    };
} | {
    in_meeting?: {
        custom_data_center_regions?: boolean;
        data_center_regions?: ("AU" | "LA" | "CA" | "CN" | "DE" | "HK" | "IN" | "IE" | "TY" | "MX" | "NL" | "SG" | "US")[];
        unchecked_data_center_regions?: ("EU" | "HK" | "AU" | "IN" | "TY" | "CN" | "US" | "CA" | "DE" | "NL" | "LA")[];
    };
    in_session?: {
        custom_data_center_regions?: boolean;
        data_center_regions?: ("AU" | "LA" | "CA" | "CN" | "DE" | "HK" | "IN" | "IE" | "TY" | "MX" | "NL" | "SG" | "US")[];
        unchecked_data_center_regions?: ("EU" | "HK" | "AU" | "IN" | "TY" | "CN" | "US" | "CA" | "DE" | "NL" | "LA")[];
        p2p_connetion?: boolean;
        p2p_ports?: boolean;
        ports_range?: string;
        dscp_audio?: number;
        dscp_marking?: boolean;
        dscp_video?: number;
        dscp_dual?: boolean;
        subsession?: boolean;
    };
    session_security?: {
        approved_or_denied_countries_or_regions?: {
            approved_list?: string[];
            denied_list?: string[];
            enable?: boolean;
            method?: "approve" | "deny";
        };
    };
    recording?: {
        cloud_recording?: boolean;
        record_speaker_view?: boolean;
        record_gallery_view?: boolean;
        record_audio_file?: boolean;
        save_chat_text?: boolean;
        show_timestamp?: boolean;
        recording_audio_transcript?: boolean;
        cloud_recording_download?: boolean;
        auto_delete_cmr?: boolean;
        auto_delete_cmr_days?: 30 | 60 | 90 | 120;
    };
};
type AccountsUpdateAccountSettingsRequestBody = {
    security?: {
        admin_change_name_pic?: boolean;
        admin_change_user_info?: boolean;
        user_modifiable_info_by_admin?: ("name" | "profile_picture" | "sign_in_email" | "host_key")[];
        signin_with_sso?: {
            enable?: boolean;
            require_sso_for_domains?: boolean;
            domains?: string[];
            sso_bypass_user_ids?: string[];
            operation?: "add" | "remove";
        };
        hide_billing_info?: boolean;
        import_photos_from_devices?: boolean;
        password_requirement?: {
            consecutive_characters_length?: number;
            have_special_character?: boolean;
            minimum_password_length?: number;
            weak_enhance_detection?: boolean;
        };
        sign_again_period_for_inactivity_on_client?: number;
        sign_again_period_for_inactivity_on_web?: number;
        sign_in_with_two_factor_auth?: "all" | "group" | "role" | "none";
        sign_in_with_two_factor_auth_groups?: string[];
        sign_in_with_two_factor_auth_roles?: string[];
    };
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
    chat?: {
        allow_bots_chat?: boolean;
        share_files?: {
            enable?: boolean;
            share_option?: "disable" | "anyone" | "account" | "organization";
            view_option?: "anyone" | "account" | "organization";
            restrictions?: {
                only_allow_specific_file_types?: boolean;
                file_type_restrictions?: (".gz" | ".rar" | ".zip" | ".xls" | ".xlsx" | ".json" | ".png" | ".pptx" | ".ppt" | ".7z" | ".xmind" | ".pdf" | ".pps" | ".txt" | ".docx" | ".doc")[];
                file_type_restrictions_for_external?: (".gz" | ".rar" | ".zip" | ".xls" | ".xlsx" | ".json" | ".png" | ".pptx" | ".ppt" | ".7z" | ".xmind" | ".pdf" | ".pps" | ".txt" | ".docx" | ".doc")[];
                maximum_file_size?: boolean;
                file_size_restrictions?: 50 | 100 | 200 | 300 | 400 | 500;
                file_size_restrictions_for_external?: 50 | 100 | 200 | 300 | 400 | 500;
                file_restrictions_apply_to?: "sharing_and_viewing" | "sharing";
            };
        };
        chat_emojis?: {
            enable?: boolean;
            emojis_option?: "all" | "selected";
        };
        record_voice_messages?: boolean;
        record_video_messages?: boolean;
        screen_capture?: boolean;
        create_public_channels?: boolean;
        create_private_channels?: boolean;
        create_group_chat?: boolean;
        share_links_in_chat?: boolean;
        schedule_meetings_in_chat?: boolean;
        set_retention_period_in_cloud?: {
            enable?: boolean;
            retention_period_of_direct_messages_and_group_conversation?: string;
            retention_period_of_channels?: string;
        };
        set_retention_period_in_local?: {
            enable?: boolean;
            retention_period_of_direct_messages_and_group_conversation?: string;
            retention_period_of_channels?: string;
        };
        allow_users_to_add_contacts?: {
            enable?: boolean;
            selected_option?: 1 | 2 | 3 | 4;
            user_email_addresses?: string;
        };
        allow_users_to_chat_with_others?: {
            enable?: boolean;
            selected_option?: 1 | 2 | 3 | 4;
            user_email_addresses?: string;
        };
        chat_etiquette_tool?: {
            enable?: boolean;
            operate?: "create" | "update" | "delete";
            policies?: {
                description?: string;
                id?: string;
                is_locked?: boolean;
                keywords?: string[];
                name?: string;
                regular_expression?: string;
                status?: "activated" | "deactivated";
                trigger_action?: 1 | 2;
            }[];
        };
        send_data_to_third_party_archiving_service?: {
            enable?: boolean;
            type?: "global_relay" | "smarsh";
            smtp_delivery_address?: string;
            user_name?: string;
            passcode?: string;
            authorized_channel_token?: string;
        };
        apply_local_storage_to_personal_channel?: {
            enable?: boolean;
            retention_period?: string;
        };
        translate_messages?: boolean;
        search_and_send_animated_gif_images?: {
            enable?: boolean;
            giphy_content_rating?: 1 | 2 | 3 | 4;
        };
        external_collab_restrict?: {
            enable?: boolean;
            external_chat?: "allowed" | "not_allowed";
            group_id?: string;
        };
        external_user_control?: {
            enable?: boolean;
            selected_option?: 1 | 2 | 3;
            external_account?: boolean;
        };
        external_invite_approve?: {
            enable?: boolean;
            selected_option?: 1 | 2;
            channel_id?: string;
            external_account?: boolean;
        };
        external_member_join?: {
            enable?: boolean;
            external_account?: boolean;
        };
        external_join_approve?: {
            enable?: boolean;
            selected_option?: 1 | 2;
            channel_id?: string;
            external_account?: boolean;
        };
        download_file?: boolean;
        share_screen_in_chat?: boolean;
        code_snippet?: boolean;
        personal_channel?: boolean;
        store_revise_chat?: boolean;
        set_chat_as_default_tab?: boolean;
        hyper_link?: boolean;
        suppress_removal_notification?: boolean;
        suppress_user_group_notification?: boolean;
        allow_remove_msg_by_owner_and_admins?: boolean;
        allow_huddles_from_channels?: boolean;
        shared_spaces?: boolean;
        chat_email_address?: {
            enable?: boolean;
            only_allow_specific_domains?: boolean;
            specific_domains?: string[];
        };
        read_receipts?: {
            enable?: boolean;
            allow_users_opt_out?: boolean;
        };
        allow_delete_message?: {
            enable?: boolean;
            time?: 0 | 5 | 30 | 60 | 1440 | 10080;
        };
        allow_edit_message?: {
            enable?: boolean;
            time?: 0 | 5 | 30 | 60 | 1440 | 10080;
        };
        show_status_to_internal_contact?: boolean;
        presence_on_meeting?: boolean;
        presence_away_when_screen_saver?: boolean;
        show_h323_contact_tab?: boolean;
        ai_summary?: {
            enable?: boolean;
            shown_in_team_chat?: boolean;
        };
        ai_compose?: {
            enable?: boolean;
            shown_in_team_chat?: boolean;
        };
        ai_recommend?: boolean;
        ai_quick_reply?: boolean;
        ai_sentence_completion?: boolean;
        ai_quick_schedule?: boolean;
        survey_poll?: boolean;
    };
    email_notification?: {
        alternative_host_reminder?: boolean;
        cancel_meeting_reminder?: boolean;
        cloud_recording_available_reminder?: boolean;
        jbh_reminder?: boolean;
        low_host_count_reminder?: boolean;
        recording_available_reminder_alternative_hosts?: boolean;
        recording_available_reminder_schedulers?: boolean;
        schedule_for_reminder?: boolean;
    };
    feature?: {
        meeting_capacity?: number;
    };
    in_meeting?: {
        alert_guest_join?: boolean;
        allow_host_to_enable_focus_mode?: boolean;
        allow_live_streaming?: boolean;
        allow_users_to_delete_messages_in_meeting_chat?: boolean;
        allow_participants_chat_with?: 1 | 2 | 3 | 4;
        allow_participants_to_rename?: boolean;
        allow_show_zoom_windows?: boolean;
        allow_users_save_chats?: 1 | 2 | 3;
        annotation?: boolean;
        anonymous_question_answer?: boolean;
        attendee_on_hold?: boolean;
        attention_mode_focus_mode?: boolean;
        auto_answer?: boolean;
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
        meeting_data_transit_and_residency_method?: "cloud" | "On-Prem";
        data_center_regions?: ("AU" | "LA" | "CA" | "CN" | "DE" | "HK" | "IN" | "IE" | "TY" | "MX" | "NL" | "SG" | "US")[];
        disable_screen_sharing_for_host_meetings?: boolean;
        disable_screen_sharing_for_in_meeting_guests?: boolean;
        dscp_audio?: number;
        dscp_marking?: boolean;
        dscp_video?: number;
        dscp_dual?: boolean;
        e2e_encryption?: boolean;
        entry_exit_chime?: "host" | "all" | "none";
        far_end_camera_control?: boolean;
        feedback?: boolean;
        file_transfer?: boolean;
        group_hd?: boolean;
        webinar_group_hd?: boolean;
        join_from_desktop?: boolean;
        join_from_mobile?: boolean;
        auto_generated_translation?: {
            language_item_pairList?: {
                trans_lang_config?: {
                    speak_language?: {
                        name?: "Chinese (Simplified)" | "Dutch" | "English" | "French" | "German" | "Italian" | "Japanese" | "Korean" | "Portuguese" | "Russian" | "Spanish" | "Ukrainian";
                        code?: "zh" | "nl" | "en" | "fr" | "de" | "it" | "ja" | "ko" | "pt" | "ru" | "es" | "uk";
                    };
                    translate_to?: {
                        all?: boolean;
                        language_config?: {
                            name?: "English";
                            code?: "en";
                        }[];
                    };
                }[];
                all?: boolean;
            };
            enable?: boolean;
        };
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
        meeting_polling?: {
            advanced_polls?: boolean;
            allow_alternative_host_to_add_edit?: boolean;
            require_answers_to_be_anonymous?: boolean;
            manage_saved_polls_and_quizzes?: boolean;
            allow_host_to_upload_image?: boolean;
            enable?: boolean;
        };
        meeting_reactions?: boolean;
        meeting_reactions_emojis?: "all" | "selected";
        allow_host_panelists_to_use_audible_clap?: boolean;
        webinar_reactions?: boolean;
        meeting_survey?: boolean;
        original_audio?: boolean;
        p2p_connetion?: boolean;
        p2p_ports?: boolean;
        polling?: boolean;
        ports_range?: string;
        post_meeting_feedback?: boolean;
        private_chat?: boolean;
        record_play_own_voice?: boolean;
        remote_control?: boolean;
        non_verbal_feedback?: boolean;
        remote_support?: boolean;
        request_permission_to_unmute_participants?: boolean;
        screen_sharing?: boolean;
        sending_default_email_invites?: boolean;
        show_a_join_from_your_browser_link?: boolean;
        show_meeting_control_toolbar?: boolean;
        slide_control?: boolean;
        stereo_audio?: boolean;
        use_html_format_email?: boolean;
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
        watermark?: boolean;
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
        webinar_polling?: {
            advanced_polls?: boolean;
            allow_alternative_host_to_add_edit?: boolean;
            require_answers_to_be_anonymous?: boolean;
            manage_saved_polls_and_quizzes?: boolean;
            allow_host_to_upload_image?: boolean;
            enable?: boolean;
        };
        webinar_question_answer?: boolean;
        webinar_survey?: boolean;
        whiteboard?: boolean;
        who_can_share_screen?: "host" | "all";
        who_can_share_screen_when_someone_is_sharing?: "host" | "all";
        participants_share_simultaneously?: "multiple" | "one";
        workplace_by_facebook?: boolean;
        transfer_meetings_between_devices?: boolean;
    };
    integration?: {
        box?: boolean;
        dropbox?: boolean;
        google_calendar?: boolean;
        google_drive?: boolean;
        kubi?: boolean;
        microsoft_one_drive?: boolean;
    };
    other_options?: {
        allow_auto_active_users?: boolean;
        allow_users_contact_support_via_chat?: boolean;
        allow_users_enter_and_share_pronouns?: boolean;
        blur_snapshot?: boolean;
        display_meetings_scheduled_for_others?: boolean;
        meeting_qos_and_mos?: 0 | 1 | 2 | 3;
        show_one_user_meeting_on_dashboard?: boolean;
        use_cdn?: "none" | "default" | "wangsu";
        webinar_registration_options?: {
            allow_host_to_enable_join_info?: boolean;
            allow_host_to_enable_social_share_buttons?: boolean;
            enable_custom_questions?: boolean;
        };
        email_in_attendee_report_for_meeting?: boolean;
    };
    profile?: {
        recording_storage_location?: {
            allowed_values?: string[];
            value?: string;
        };
    };
    recording?: {
        account_user_access_recording?: boolean;
        allow_recovery_deleted_cloud_recordings?: boolean;
        archive?: {
            enable?: boolean;
            settings?: {
                audio_file?: boolean;
                cc_transcript_file?: boolean;
                chat_file?: boolean;
                chat_with_sender_email?: boolean;
                video_file?: boolean;
                chat_with_direct_message?: boolean;
                archive_retention?: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 20 | 21 | 22 | 23 | 24 | 25 | 26 | 27 | 28 | 29 | 30;
                action_when_archive_failed?: 1 | 2;
                notification_when_archiving_starts?: "participants" | "guest";
                play_voice_prompt_when_archiving_starts?: "participants" | "guest" | "none";
            };
            type?: 1 | 2 | 3;
        };
        auto_delete_cmr?: boolean;
        auto_delete_cmr_days?: 30 | 60 | 90 | 120;
        auto_recording?: "local" | "cloud" | "none";
        cloud_recording?: boolean;
        cloud_recording_download?: boolean;
        cloud_recording_download_host?: boolean;
        display_participant_name?: boolean;
        host_delete_cloud_recording?: boolean;
        ip_address_access_control?: {
            enable?: boolean;
            ip_addresses_or_ranges?: string;
        };
        local_recording?: boolean;
        optimize_recording_for_3rd_party_video_editor?: boolean;
        prevent_host_access_recording?: boolean;
        record_audio_file?: boolean;
        record_audio_file_each_participant?: boolean;
        record_files_separately?: {
            active_speaker?: boolean;
            gallery_view?: boolean;
            shared_screen?: boolean;
        };
        record_gallery_view?: boolean;
        record_speaker_view?: boolean;
        recording_audio_transcript?: boolean;
        recording_disclaimer?: boolean;
        recording_highlight?: boolean;
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
        recording_thumbnails?: boolean;
        required_password_for_existing_cloud_recordings?: boolean;
        required_password_for_shared_cloud_recordings?: boolean;
        save_chat_text?: boolean;
        save_close_caption?: boolean;
        save_panelist_chat?: boolean;
        save_poll_results?: boolean;
        show_timestamp?: boolean;
    };
    schedule_meeting?: {
        audio_type?: "both" | "telephony" | "voip" | "thirdParty";
        enforce_login?: boolean;
        enforce_login_domains?: string;
        enforce_login_with_domains?: boolean;
        force_pmi_jbh_password?: boolean;
        host_video?: boolean;
        enable_dedicated_group_chat?: boolean;
        jbh_time?: 0 | 5 | 10 | 15;
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
        not_store_meeting_topic?: boolean;
        participant_video?: boolean;
        allow_host_to_disable_participant_video?: boolean;
        personal_meeting?: boolean;
        require_password_for_instant_meetings?: boolean;
        require_password_for_pmi_meetings?: "jbh_only" | "all" | "none";
        require_password_for_scheduled_meetings?: boolean;
        require_password_for_scheduling_new_meetings?: boolean;
        use_pmi_for_instant_meetings?: boolean;
        use_pmi_for_scheduled_meetings?: boolean;
        always_display_zoom_meeting_as_topic?: {
            enable?: boolean;
            display_topic_for_scheduled_meetings?: boolean;
        };
        hide_meeting_description?: {
            enable?: boolean;
            hide_description_for_scheduled_meetings?: boolean;
        };
        always_display_zoom_webinar_as_topic?: {
            enable?: boolean;
            display_topic_for_scheduled_webinars?: boolean;
        };
        hide_webinar_description?: {
            enable?: boolean;
            hide_description_for_scheduled_webinars?: boolean;
        };
        meeting_template?: {
            enable?: boolean;
            action?: string;
            templates?: {
                id?: string;
                enable?: boolean;
            }[];
        };
        continuous_meeting_chat?: {
            enable?: boolean;
            can_add_external_users?: boolean;
            auto_add_invited_external_users?: boolean;
        };
    };
    telephony?: {
        audio_conference_info?: string;
        telephony_regions?: {
            selection_values?: string;
        };
        third_party_audio?: boolean;
    };
    tsp?: {
        call_out?: boolean;
        call_out_countries?: string[];
        display_toll_free_numbers?: boolean;
        show_international_numbers_link?: boolean;
    };
    zoom_rooms?: {
        auto_start_stop_scheduled_meetings?: boolean;
        cmr_for_instant_meeting?: boolean;
        force_private_meeting?: boolean;
        hide_host_information?: boolean;
        list_meetings_with_calendar?: boolean;
        start_airplay_manually?: boolean;
        ultrasonic?: boolean;
        upcoming_meeting_alert?: boolean;
        weekly_system_restart?: boolean;
        zr_post_meeting_feedback?: boolean;
    };
} | ({
    allow_authentication_exception?: boolean;
    authentication_option?: {
        action?: "update" | "delete" | "add";
        default_option?: boolean;
        domains?: string;
        id?: string;
        name?: string;
        type?: "enforce_login" | "enforce_login_with_same_account" | "enforce_login_with_domains";
    };
    meeting_authentication?: boolean;
} | {
    authentication_option?: {
        action?: "update" | "delete" | "add";
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
        chat_etiquette_tool?: {
            enable?: boolean;
            operate?: "create" | "update" | "delete";
            policies?: {
                description?: string;
                id?: string;
                is_locked?: boolean;
                keywords?: string[];
                name?: string;
                regular_expression?: string;
                status?: "activated" | "deactivated";
                trigger_action?: 1 | 2;
            }[];
        };
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
        waiting_room_options?: {
            enable?: boolean;
            locked?: boolean;
            admit_type?: 1 | 2 | 3 | 4;
            internal_user_auto_admit?: 1 | 2 | 3 | 4 | 5;
            admit_domain_allowlist?: string;
            who_can_admit_participants?: 0 | 1;
            sort_order_of_people?: 0 | 1;
            more_options?: {
                user_invited_by_host_can_bypass_waiting_room?: boolean;
                move_participants_to_waiting_room_when_host_dropped?: boolean;
                allow_participants_to_reply_to_host?: boolean;
            };
        };
    };
} | {
    in_meeting?: {
        custom_data_center_regions?: boolean;
        data_center_regions?: ("AU" | "LA" | "CA" | "CN" | "DE" | "HK" | "IN" | "IE" | "TY" | "MX" | "NL" | "SG" | "US")[];
    };
    in_session?: {
        custom_data_center_regions?: boolean;
        data_center_regions?: ("AU" | "LA" | "CA" | "CN" | "DE" | "HK" | "IN" | "IE" | "TY" | "MX" | "NL" | "SG" | "US")[];
        p2p_connetion?: boolean;
        p2p_ports?: boolean;
        ports_range?: string;
        dscp_audio?: number;
        dscp_marking?: boolean;
        dscp_video?: number;
        dscp_dual?: boolean;
        subsession?: boolean;
    };
    session_security?: {
        approved_or_denied_countries_or_regions?: {
            approved_list?: string[];
            denied_list?: string[];
            enable?: boolean;
            method?: "approve" | "deny";
        };
    };
    recording?: {
        record_speaker_view?: boolean;
        record_gallery_view?: boolean;
        record_audio_file?: boolean;
        save_chat_text?: boolean;
        show_timestamp?: boolean;
        cloud_recording_download?: boolean;
        auto_delete_cmr?: boolean;
        auto_delete_cmr_days?: 30 | 60 | 90 | 120;
    };
};
type AccountsGetLockedSettingsResponse = {
    audio_conferencing?: {
        toll_free_and_fee_based_toll_call?: boolean;
    };
    chat?: {
        share_files?: boolean;
        chat_emojis?: boolean;
        record_voice_messages?: boolean;
        record_video_messages?: boolean;
        screen_capture?: boolean;
        share_links_in_chat?: boolean;
        schedule_meetings_in_chat?: boolean;
        set_retention_period_in_cloud?: boolean;
        set_retention_period_in_local?: boolean;
        allow_users_to_add_contacts?: boolean;
        allow_users_to_chat_with_others?: boolean;
        chat_etiquette_tool?: boolean;
        send_data_to_third_party_archiving_service?: boolean;
        translate_messages?: boolean;
        search_and_send_animated_gif_images?: boolean;
        shared_spaces?: boolean;
        allow_create_channels_and_group_chats?: boolean;
        allow_huddles_from_channels?: boolean;
        download_file?: boolean;
        share_screen_in_chat?: boolean;
        chat_email_address?: boolean;
        read_receipts?: boolean;
        allow_delete_message?: boolean;
        allow_edit_message?: boolean;
        presence_on_meeting?: boolean;
        presence_away_when_screen_saver?: boolean;
        ai_summary?: boolean;
        ai_compose?: boolean;
        ai_recommend?: boolean;
        ai_reply?: boolean;
        ai_sentence_completion?: boolean;
        ai_quick_schedule?: boolean;
        survey_poll?: boolean;
    };
    email_notification?: {
        alternative_host_reminder?: boolean;
        cancel_meeting_reminder?: boolean;
        cloud_recording_available_reminder?: boolean;
        jbh_reminder?: boolean;
        schedule_for_reminder?: boolean;
    };
    in_meeting?: {
        alert_guest_join?: boolean;
        allow_users_to_delete_messages_in_meeting_chat?: boolean;
        allow_live_streaming?: boolean;
        allow_show_zoom_windows?: boolean;
        annotation?: boolean;
        anonymous_question_answer?: boolean;
        attendee_on_hold?: boolean;
        attention_mode_focus_mode?: boolean;
        auto_answer?: boolean;
        auto_generated_captions?: boolean;
        auto_saving_chat?: boolean;
        breakout_room?: boolean;
        chat?: boolean;
        meeting_question_answer?: boolean;
        closed_caption?: boolean;
        co_host?: boolean;
        custom_data_center_regions?: boolean;
        disable_screen_sharing_for_host_meetings?: boolean;
        disable_screen_sharing_for_in_meeting_guests?: boolean;
        dscp_marking?: boolean;
        e2e_encryption?: boolean;
        entry_exit_chime?: string;
        far_end_camera_control?: boolean;
        feedback?: boolean;
        file_transfer?: boolean;
        full_transcript?: boolean;
        group_hd?: boolean;
        webinar_group_hd?: boolean;
        language_interpretation?: boolean;
        sign_language_interpretation?: boolean;
        manual_captions?: boolean;
        meeting_reactions?: boolean;
        webinar_reactions?: boolean;
        meeting_survey?: boolean;
        original_audio?: boolean;
        polling?: boolean;
        post_meeting_feedback?: boolean;
        private_chat?: boolean;
        remote_control?: boolean;
        non_verbal_feedback?: boolean;
        remote_support?: boolean;
        request_permission_to_unmute_participants?: boolean;
        save_caption?: boolean;
        save_captions?: boolean;
        screen_sharing?: boolean;
        sending_default_email_invites?: boolean;
        show_meeting_control_toolbar?: boolean;
        slide_control?: boolean;
        stereo_audio?: boolean;
        use_html_format_email?: boolean;
        virtual_background?: boolean;
        webinar_chat?: boolean;
        webinar_live_streaming?: boolean;
        webinar_polling?: boolean;
        webinar_question_answer?: boolean;
        webinar_survey?: boolean;
        whiteboard?: boolean;
    };
    other_options?: {
        blur_snapshot?: boolean;
        webinar_registration_options?: boolean;
    };
    recording?: {
        account_user_access_recording?: boolean;
        auto_delete_cmr?: boolean;
        auto_recording?: boolean;
        cloud_recording?: boolean;
        cloud_recording_download?: boolean;
        host_delete_cloud_recording?: boolean;
        ip_address_access_control?: boolean;
        local_recording?: boolean;
        prevent_host_access_recording?: boolean;
        recording_authentication?: boolean;
        archive?: boolean;
    };
    schedule_meeting?: {
        audio_type?: boolean;
        embed_password_in_join_link?: boolean;
        enforce_login?: boolean;
        enforce_login_domains?: string;
        enforce_login_with_domains?: boolean;
        host_video?: boolean;
        join_before_host?: boolean;
        meeting_authentication?: boolean;
        not_store_meeting_topic?: boolean;
        always_display_zoom_webinar_as_topic?: boolean;
        participant_video?: boolean;
        require_password_for_instant_meetings?: boolean;
        require_password_for_pmi_meetings?: boolean;
        require_password_for_scheduling_new_meetings?: boolean;
        use_pmi_for_instant_meetings?: boolean;
        use_pmi_for_scheduled_meetings?: boolean;
        continuous_meeting_chat?: boolean;
    };
    telephony?: {
        telephony_regions?: boolean;
        third_party_audio?: boolean;
    };
    tsp?: {
        call_out?: boolean;
        show_international_numbers_link?: boolean;
    };
} | {
    meeting_security?: {
        approved_or_denied_countries_or_regions?: boolean;
        auto_security?: boolean;
        block_user_domain?: boolean;
        chat_etiquette_tool?: boolean;
        embed_password_in_join_link?: boolean;
        encryption_type?: boolean;
        end_to_end_encrypted_meetings?: boolean;
        meeting_password?: boolean;
        only_authenticated_can_join_from_webclient?: boolean;
        phone_password?: boolean;
        pmi_password?: boolean;
        waiting_room?: boolean;
        webinar_password?: boolean;
    };
};
type AccountsUpdateLockedSettingsRequestBody = {
    audio_conferencing?: {
        toll_free_and_fee_based_toll_call?: boolean;
    };
    chat?: {
        share_files?: boolean;
        chat_emojis?: boolean;
        record_voice_messages?: boolean;
        record_video_messages?: boolean;
        screen_capture?: boolean;
        share_links_in_chat?: boolean;
        schedule_meetings_in_chat?: boolean;
        set_retention_period_in_cloud?: boolean;
        set_retention_period_in_local?: boolean;
        allow_users_to_add_contacts?: boolean;
        allow_users_to_chat_with_others?: boolean;
        chat_etiquette_tool?: boolean;
        send_data_to_third_party_archiving_service?: boolean;
        translate_messages?: boolean;
        search_and_send_animated_gif_images?: boolean;
        shared_spaces?: boolean;
        allow_create_channels_and_group_chats?: boolean;
        allow_huddles_from_channels?: boolean;
        download_file?: boolean;
        share_screen_in_chat?: boolean;
        chat_email_address?: boolean;
        read_receipts?: boolean;
        allow_delete_message?: boolean;
        allow_edit_message?: boolean;
        presence_on_meeting?: boolean;
        presence_away_when_screen_saver?: boolean;
        ai_summary?: boolean;
        ai_compose?: boolean;
        ai_recommend?: boolean;
        ai_reply?: boolean;
        ai_sentence_completion?: boolean;
        ai_quick_schedule?: boolean;
        survey_poll?: boolean;
    };
    email_notification?: {
        alternative_host_reminder?: boolean;
        cancel_meeting_reminder?: boolean;
        cloud_recording_available_reminder?: boolean;
        jbh_reminder?: boolean;
        schedule_for_reminder?: boolean;
    };
    in_meeting?: {
        alert_guest_join?: boolean;
        allow_users_to_delete_messages_in_meeting_chat?: boolean;
        allow_live_streaming?: boolean;
        allow_show_zoom_windows?: boolean;
        annotation?: boolean;
        anonymous_question_answer?: boolean;
        attendee_on_hold?: boolean;
        attention_mode_focus_mode?: boolean;
        auto_answer?: boolean;
        auto_generated_captions?: boolean;
        auto_saving_chat?: boolean;
        breakout_room?: boolean;
        chat?: boolean;
        meeting_question_answer?: boolean;
        closed_caption?: boolean;
        co_host?: boolean;
        custom_data_center_regions?: boolean;
        disable_screen_sharing_for_host_meetings?: boolean;
        disable_screen_sharing_for_in_meeting_guests?: boolean;
        dscp_marking?: boolean;
        e2e_encryption?: boolean;
        entry_exit_chime?: string;
        far_end_camera_control?: boolean;
        feedback?: boolean;
        file_transfer?: boolean;
        full_transcript?: boolean;
        group_hd?: boolean;
        webinar_group_hd?: boolean;
        language_interpretation?: boolean;
        sign_language_interpretation?: boolean;
        webinar_reactions?: boolean;
        meeting_survey?: boolean;
        original_audio?: boolean;
        polling?: boolean;
        post_meeting_feedback?: boolean;
        private_chat?: boolean;
        remote_control?: boolean;
        non_verbal_feedback?: boolean;
        remote_support?: boolean;
        request_permission_to_unmute_participants?: boolean;
        save_caption?: boolean;
        save_captions?: boolean;
        screen_sharing?: boolean;
        sending_default_email_invites?: boolean;
        show_meeting_control_toolbar?: boolean;
        slide_control?: boolean;
        stereo_audio?: boolean;
        use_html_format_email?: boolean;
        virtual_background?: boolean;
        webinar_chat?: boolean;
        webinar_live_streaming?: boolean;
        webinar_polling?: boolean;
        webinar_question_answer?: boolean;
        webinar_survey?: boolean;
        whiteboard?: boolean;
    };
    other_options?: {
        blur_snapshot?: boolean;
        webinar_registration_options?: boolean;
    };
    recording?: {
        account_user_access_recording?: boolean;
        auto_delete_cmr?: boolean;
        auto_recording?: boolean;
        cloud_recording?: boolean;
        cloud_recording_download?: boolean;
        host_delete_cloud_recording?: boolean;
        ip_address_access_control?: boolean;
        local_recording?: boolean;
        prevent_host_access_recording?: boolean;
        recording_authentication?: boolean;
        archive?: boolean;
    };
    schedule_meeting?: {
        audio_type?: boolean;
        embed_password_in_join_link?: boolean;
        enforce_login?: boolean;
        enforce_login_domains?: string;
        enforce_login_with_domains?: boolean;
        host_video?: boolean;
        join_before_host?: boolean;
        meeting_authentication?: boolean;
        not_store_meeting_topic?: boolean;
        always_display_zoom_webinar_as_topic?: boolean;
        participant_video?: boolean;
        personal_meeting?: boolean;
        require_password_for_instant_meetings?: boolean;
        require_password_for_pmi_meetings?: boolean;
        require_password_for_scheduling_new_meetings?: boolean;
        use_pmi_for_instant_meetings?: boolean;
        use_pmi_for_scheduled_meetings?: boolean;
        continuous_meeting_chat?: boolean;
    };
    telephony?: {
        telephony_regions?: boolean;
        third_party_audio?: boolean;
    };
    tsp?: {
        call_out?: boolean;
        show_international_numbers_link?: boolean;
    };
} | {
    meeting_security?: {
        approved_or_denied_countries_or_regions?: boolean;
        auto_security?: boolean;
        block_user_domain?: boolean;
        chat_etiquette_tool?: boolean;
        embed_password_in_join_link?: boolean;
        encryption_type?: "enhanced_encryption" | "e2ee";
        end_to_end_encrypted_meetings?: boolean;
        meeting_password?: boolean;
        only_authenticated_can_join_from_webclient?: boolean;
        phone_password?: boolean;
        pmi_password?: boolean;
        waiting_room?: boolean;
        webinar_password?: boolean;
    };
};
type AccountsGetAccountsManagedDomainsResponse = {
    domains?: {
        domain?: string;
        status?: string;
    }[];
    total_records?: number;
};
type AccountsGetAccountsTrustedDomainsResponse = {
    trusted_domains?: string[];
};
