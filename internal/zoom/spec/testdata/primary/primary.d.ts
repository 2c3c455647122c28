type PrimaryListSubAccountsResponse = {
    page_count?: number;
    page_number?: number;
    page_size?: number;
    total_records?: number;
    next_page_token?: string;
    accounts?: {
        id?: string;
        account_name?: string;
        owner_email?: string;
        account_type?: string;
        seats?: number;
        subscription_start_time?: string;
        subscription_end_time?: string;
        created_at?: string;
        account_number?: string;
    }[];
};
type PrimaryCreateSubAccountResponse = {
    id?: string;
    owner_id?: string;
    owner_email?: string;
    created_at?: string;
};
type PrimaryGetSubAccountResponse = {
    id?: string;
    owner_id?: string;
    owner_email?: string;
    created_at?: string;
    options?: {
        share_rc?: boolean;
        room_connector_list?: string[];
        share_mc?: boolean;
        meeting_connector_list?: string[];
        pay_mode?: "master" | "sub";
        billing_auto_renew?: boolean;
    };
    vanity_url?: string;
};
type PrimaryGetBillingContactResponse = {
    first_name?: string;
    last_name?: string;
    email?: string;
    phone_number?: string;
    address?: string;
    apt?: string;
    city?: string;
    state?: string;
    zip?: string;
    country?: string;
};
type PrimaryGetPlansResponse = {
    plan_base?: {
        type?: string;
        hosts?: number;
        service_effective_date?: string;
        next_invoice_date?: string;
        status?: "active" | "cancel" | "expired";
    };
    plan_zoom_rooms?: {
        type?: string;
        hosts?: number;
        service_effective_date?: string;
        next_invoice_date?: string;
        status?: "active" | "cancel" | "expired";
    };
    plan_room_connector?: {
        type?: string;
        hosts?: number;
        service_effective_date?: string;
        next_invoice_date?: string;
        status?: "active" | "cancel" | "expired";
    };
    plan_large_meeting?: {
        type?: string;
        hosts?: number;
        service_effective_date?: string;
        next_invoice_date?: string;
        status?: "active" | "cancel" | "expired";
    }[];
    plan_webinar?: {
        type?: string;
        hosts?: number;
        service_effective_date?: string;
        next_invoice_date?: string;
        status?: "active" | "cancel" | "expired";
    }[];
    plan_recording?: string;
    plan_recording_service_effective_date?: string;
    plan_recording_next_invoice_date?: string;
    plan_recording_status?: "Active" | "Cancelled";
    plan_audio?: {
        type?: string;
        tollfree_countries?: string;
        premium_countries?: string;
        callout_countries?: string;
        ddi_numbers?: number;
        service_effective_date?: string;
        next_invoice_date?: string;
        status?: "active" | "cancel" | "expired";
    };
    plan_phone?: {
        plan_base?: {
            type?: string;
            callout_countries?: string;
            service_effective_date?: string;
            next_invoice_date?: string;
            status?: "active" | "cancel" | "expired";
        };
        plan_calling?: {
            type?: string;
            hosts?: number;
            service_effective_date?: string;
            next_invoice_date?: string;
            status?: "active" | "cancel" | "expired";
        }[];
        plan_number?: {
            type?: string;
            hosts?: number;
            service_effective_date?: string;
            next_invoice_date?: string;
            status?: "active" | "cancel" | "expired";
        }[];
    };
};
type PrimaryGetPlanUsageResponse = {
    plan_base?: {
        type?: string;
        hosts?: number;
        usage?: number;
    }[];
    plan_webinar?: {
        type?: string;
        hosts?: number;
        usage?: number;
    }[];
    plan_large_meeting?: {
        type?: string;
        hosts?: number;
        usage?: number;
    }[];
    plan_zoom_rooms?: {
        type?: string;
        hosts?: number;
        usage?: number;
    }[];
    plan_recording?: {
        type?: string;
        free_storage?: string;
        free_storage_usage?: string;
        plan_storage?: string;
        plan_storage_usage?: string;
        plan_storage_exceed?: string;
    };
    plan_united?: {
        name?: string;
        type?: string;
        hosts?: number;
        usage?: number;
    };
};
type ZoomErrorResponse = {
    code: number;
    message: string;
    errors?: {
        field?: string;
        message?: string;
    }[];
};
type OAuthTokenResponse = {
    access_token: string;
    token_type: "bearer";
    refresh_token?: string;
    expires_in: number;
    scope: string;
    api_url?: string;
};
