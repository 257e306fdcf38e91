// Diesel table definitions, kept in step with migrations/ (see diesel.toml).
//
// Every scheme-owned table's primary key in the database is (scheme_id, id): the keys declared
// here leave scheme_id out because the database supplies it. Row-level security limits every
// statement to the caller's scheme, and scheme_id defaults to it on insert.

diesel::table! {
    wards (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        name -> Text,
        deri_score -> Nullable<Float8>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    hubs (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        name -> Text,
        kind -> Text,
        address -> Nullable<Text>,
        postcode -> Nullable<Text>,
        ward_id -> Nullable<Uuid>,
        active -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        opening_hours -> Nullable<Jsonb>,
    }
}

diesel::table! {
    closures (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        hub_id -> Nullable<Uuid>,
        starts_on -> Date,
        ends_on -> Date,
        reason -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    organisations (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        name -> Text,
        roles -> Array<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        contact_name -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        address -> Nullable<Text>,
        notes -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        email -> Text,
        display_name -> Text,
        password_hash -> Nullable<Text>,
        role -> Text,
        organisation_id -> Nullable<Uuid>,
        active -> Bool,
        token_epoch -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    user_hubs (user_id, hub_id) {
        scheme_id -> Uuid,
        user_id -> Uuid,
        hub_id -> Uuid,
    }
}

diesel::table! {
    api_keys (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        prefix -> Text,
        secret_sha256 -> Bytea,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Uuid,
        account -> Text,
        client_addr -> Text,
        failed_at -> Timestamptz,
    }
}

diesel::table! {
    donations (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        donor_id -> Uuid,
        hub_id -> Uuid,
        received_on -> Date,
        donor_reference -> Nullable<Text>,
        declared_device_count -> Nullable<Int4>,
        collection_notes -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    devices (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        asset_tag -> Text,
        serial_number -> Nullable<Text>,
        make -> Nullable<Text>,
        model -> Nullable<Text>,
        category -> Text,
        cpu -> Nullable<Text>,
        ram_gb -> Nullable<Int4>,
        storage_gb -> Nullable<Int4>,
        storage_type -> Nullable<Text>,
        operating_system -> Nullable<Text>,
        battery_health_pct -> Nullable<Int4>,
        weight_g -> Nullable<Int4>,
        grade -> Nullable<Text>,
        notes -> Nullable<Text>,
        status -> Text,
        hub_id -> Nullable<Uuid>,
        transfer_to_hub_id -> Nullable<Uuid>,
        donation_id -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        handed_over_at -> Nullable<Timestamptz>,
        sanitised_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    device_resets (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        device_id -> Uuid,
        method -> Text,
        verified -> Bool,
        notes -> Nullable<Text>,
        performed_at -> Timestamptz,
        recorded_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    device_events (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        device_id -> Uuid,
        occurred_at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        kind -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        from_hub_id -> Nullable<Uuid>,
        to_hub_id -> Nullable<Uuid>,
        details -> Jsonb,
    }
}

diesel::table! {
    refurbishment_jobs (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        device_id -> Uuid,
        refurbisher_id -> Uuid,
        status -> Text,
        assigned_by -> Nullable<Uuid>,
        return_hub_id -> Nullable<Uuid>,
        notes -> Nullable<Text>,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        grade -> Nullable<Text>,
        functional_result -> Nullable<Text>,
        functional_notes -> Nullable<Text>,
        ram_upgraded_to_gb -> Nullable<Int4>,
        storage_upgraded_to_gb -> Nullable<Int4>,
        os_installed -> Nullable<Text>,
        parts_cost_pence -> Nullable<Int4>,
        labour_minutes -> Nullable<Int4>,
        beyond_repair_reason -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    wipe_records (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        job_id -> Uuid,
        device_id -> Uuid,
        level -> Text,
        method -> Text,
        tool -> Text,
        tool_version -> Nullable<Text>,
        certificate_reference -> Nullable<Text>,
        verified -> Bool,
        operator_name -> Text,
        performed_at -> Timestamptz,
        recorded_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    disposal_records (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        device_id -> Uuid,
        recycler_id -> Uuid,
        waste_transfer_note -> Text,
        disposed_on -> Date,
        weight_g -> Nullable<Int4>,
        harvested_parts -> Nullable<Text>,
        recorded_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (caller, key) {
        caller -> Text,
        key -> Text,
        method -> Text,
        path -> Text,
        request_sha256 -> Bytea,
        status -> Nullable<Int4>,
        content_type -> Nullable<Text>,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        body -> Nullable<Bytea>,
        created_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    residents (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        reference -> Text,
        name -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        postcode -> Nullable<Text>,
        ward_id -> Nullable<Uuid>,
        eligibility -> Text,
        eligibility_verified_by -> Nullable<Uuid>,
        eligibility_verified_on -> Date,
        contact_consent -> Bool,
        registered_at_hub_id -> Nullable<Uuid>,
        last_activity_at -> Timestamptz,
        erased_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        address_lines -> Nullable<Array<Text>>,
    }
}

diesel::table! {
    sales_sessions (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        hub_id -> Uuid,
        held_on -> Date,
        name -> Nullable<Text>,
        closed_at -> Nullable<Timestamptz>,
        unsold_at_close -> Nullable<Int4>,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sales_session_devices (session_id, device_id) {
        scheme_id -> Uuid,
        session_id -> Uuid,
        device_id -> Uuid,
    }
}

diesel::table! {
    receipt_counters (year) {
        scheme_id -> Uuid,
        year -> Int4,
        last -> Int4,
    }
}

diesel::table! {
    sales (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        receipt_number -> Text,
        device_id -> Uuid,
        resident_id -> Uuid,
        hub_id -> Uuid,
        session_id -> Nullable<Uuid>,
        price_pence -> Int4,
        market_value_pence -> Int4,
        subsidy_pence -> Int4,
        payment_method -> Text,
        sold_by -> Nullable<Uuid>,
        sold_at -> Timestamptz,
        override_reason -> Nullable<Text>,
        overridden_by -> Nullable<Uuid>,
        refunded_at -> Nullable<Timestamptz>,
        refund_reason -> Nullable<Text>,
        refund_faulty -> Nullable<Bool>,
        refunded_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sim_batches (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        supplier_id -> Uuid,
        network -> Text,
        kind -> Text,
        data_gb_per_month -> Int4,
        duration_months -> Int4,
        received_on -> Date,
        hub_id -> Uuid,
        reference -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sims (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        batch_id -> Uuid,
        supplier_id -> Uuid,
        iccid -> Nullable<Text>,
        voucher_code -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sim_allocations (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        sim_id -> Uuid,
        resident_id -> Uuid,
        hub_id -> Uuid,
        allocated_by -> Nullable<Uuid>,
        allocated_on -> Date,
        expires_on -> Date,
        sale_id -> Nullable<Uuid>,
        loan_id -> Nullable<Uuid>,
        replaces_id -> Nullable<Uuid>,
        ended_at -> Nullable<Timestamptz>,
        end_reason -> Nullable<Text>,
        ended_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    loan_rules (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        hub_id -> Nullable<Uuid>,
        category -> Nullable<Text>,
        loan_days -> Int4,
        renewal_days -> Int4,
        max_renewals -> Int4,
        max_active_loans -> Int4,
        borrow_while_overdue -> Bool,
        renew_overdue_up_to_days -> Int4,
        hold_days -> Int4,
        lost_after_days -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    loans (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        device_id -> Uuid,
        resident_id -> Uuid,
        hub_id -> Uuid,
        lent_by -> Nullable<Uuid>,
        lent_at -> Timestamptz,
        due_on -> Date,
        renewals -> Int4,
        returned_at -> Nullable<Timestamptz>,
        returned_to_hub_id -> Nullable<Uuid>,
        return_condition -> Nullable<Text>,
        return_notes -> Nullable<Text>,
        received_by -> Nullable<Uuid>,
        lost_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    holds (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        resident_id -> Uuid,
        hub_id -> Uuid,
        category -> Text,
        status -> Text,
        device_id -> Nullable<Uuid>,
        ready_at -> Nullable<Timestamptz>,
        expires_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    impact_factor_sets (id) {
        id -> Uuid,
        scheme_id -> Nullable<Uuid>,
        name -> Text,
        version -> Text,
        source -> Text,
        displacement_bp -> Int4,
        locked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    impact_factors (set_id, category) {
        set_id -> Uuid,
        category -> Text,
        manufacture_co2e_g -> Int8,
        weight_g -> Int4,
        reliability -> Nullable<Int2>,
        source_note -> Nullable<Text>,
    }
}

diesel::table! {
    impact_ledger (device_id) {
        scheme_id -> Uuid,
        device_id -> Uuid,
        set_id -> Uuid,
        kind -> Text,
        category -> Text,
        co2e_saved_g -> Int8,
        landfill_saved_g -> Int8,
        weight_source -> Text,
        occurred_at -> Timestamptz,
        hub_id -> Nullable<Uuid>,
        donation_id -> Nullable<Uuid>,
        donor_id -> Nullable<Uuid>,
        ward_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    impact_rollup (grain, month, category, set_id) {
        scheme_id -> Uuid,
        grain -> Int2,
        month -> Date,
        donor_id -> Nullable<Uuid>,
        category -> Text,
        hub_id -> Nullable<Uuid>,
        ward_id -> Nullable<Uuid>,
        set_id -> Uuid,
        devices_reused -> Int8,
        devices_recycled -> Int8,
        co2e_saved_g -> Int8,
        landfill_saved_g -> Int8,
        known_weight_g -> Int8,
        unknown_weight_devices -> Int8,
        slot -> Int2,
    }
}

diesel::table! {
    distribution_rollup (month) {
        scheme_id -> Uuid,
        month -> Date,
        hub_id -> Nullable<Uuid>,
        ward_id -> Nullable<Uuid>,
        devices_received -> Int8,
        devices_refurbished -> Int8,
        devices_recycled -> Int8,
        devices_sold -> Int8,
        sales_refunded -> Int8,
        takings_pence -> Int8,
        subsidy_pence -> Int8,
        loans_made -> Int8,
        sims_allocated -> Int8,
        sims_replaced -> Int8,
        sim_data_gb_per_month -> Int8,
        slot -> Int2,
    }
}

diesel::table! {
    reach_rollup (month, eligibility) {
        scheme_id -> Uuid,
        month -> Date,
        ward_id -> Nullable<Uuid>,
        eligibility -> Text,
        devices_sold -> Int8,
        devices_lent -> Int8,
        sims -> Int8,
        slot -> Int2,
    }
}

diesel::table! {
    reach_people (month, resident_id) {
        scheme_id -> Uuid,
        month -> Date,
        resident_id -> Uuid,
        ward_id -> Nullable<Uuid>,
        eligibility -> Text,
    }
}

diesel::table! {
    stocktakes (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        hub_id -> Uuid,
        status -> Text,
        notes -> Nullable<Text>,
        opened_by -> Nullable<Uuid>,
        opened_at -> Timestamptz,
        closed_by -> Nullable<Uuid>,
        closed_at -> Nullable<Timestamptz>,
        outcome -> Nullable<Jsonb>,
        version -> Int4,
    }
}

diesel::table! {
    stocktake_expected (stocktake_id, device_id) {
        scheme_id -> Uuid,
        stocktake_id -> Uuid,
        device_id -> Uuid,
        status -> Text,
    }
}

diesel::table! {
    stocktake_scans (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        stocktake_id -> Uuid,
        code -> Text,
        device_id -> Nullable<Uuid>,
        scanned_by -> Nullable<Uuid>,
        scanned_at -> Timestamptz,
    }
}

diesel::table! {
    accessory_kinds (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        name -> Text,
        active -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    handover_accessories (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        kind_id -> Uuid,
        loan_id -> Nullable<Uuid>,
        sale_id -> Nullable<Uuid>,
        quantity -> Int4,
        returned_quantity -> Nullable<Int4>,
        issued_at -> Timestamptz,
        returned_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    agreement_terms (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        version -> Int4,
        title -> Text,
        body -> Text,
        required -> Bool,
        published_by -> Nullable<Uuid>,
        published_at -> Timestamptz,
    }
}

diesel::table! {
    agreements (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        terms_id -> Uuid,
        loan_id -> Nullable<Uuid>,
        sale_id -> Nullable<Uuid>,
        method -> Text,
        typed_name -> Nullable<Text>,
        signature_type -> Nullable<Text>,
        signature -> Nullable<Bytea>,
        accepted_at -> Timestamptz,
        recorded_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    outbox (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        natural_key -> Text,
        kind -> Text,
        resident_id -> Nullable<Uuid>,
        hub_id -> Nullable<Uuid>,
        data -> Jsonb,
        status -> Text,
        channel -> Nullable<Text>,
        recipient -> Nullable<Text>,
        subject -> Nullable<Text>,
        body -> Nullable<Text>,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        claimed_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        user_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    webhooks (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        organisation_id -> Nullable<Uuid>,
        url -> Text,
        event_types -> Array<Text>,
        description -> Nullable<Text>,
        secret -> Text,
        enabled -> Bool,
        disabled_at -> Nullable<Timestamptz>,
        disabled_reason -> Nullable<Text>,
        last_success_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        scheme_id -> Uuid,
        id -> Uuid,
        webhook_id -> Uuid,
        event_type -> Text,
        payload -> Jsonb,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        claimed_until -> Nullable<Timestamptz>,
        last_status_code -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    notice_templates (kind) {
        scheme_id -> Uuid,
        kind -> Text,
        subject -> Text,
        body -> Text,
        updated_by -> Nullable<Uuid>,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(hubs -> wards (ward_id));
diesel::joinable!(handover_accessories -> accessory_kinds (kind_id));
diesel::joinable!(handover_accessories -> loans (loan_id));
diesel::joinable!(loans -> residents (resident_id));
diesel::joinable!(agreements -> agreement_terms (terms_id));
diesel::joinable!(sims -> sim_batches (batch_id));
diesel::joinable!(sim_allocations -> sims (sim_id));
diesel::joinable!(sales -> devices (device_id));
diesel::joinable!(sales -> residents (resident_id));
diesel::joinable!(sales_session_devices -> sales_sessions (session_id));
diesel::joinable!(refurbishment_jobs -> devices (device_id));
diesel::joinable!(wipe_records -> refurbishment_jobs (job_id));
diesel::joinable!(donations -> organisations (donor_id));
diesel::joinable!(devices -> donations (donation_id));
diesel::table! {
    schemes (id) {
        id -> Uuid,
        kind -> Text,
        name -> Text,
        code -> Text,
        status -> Text,
        sale_price_pence -> Int4,
        household_rule_months -> Int4,
        refund_window_days -> Int4,
        sim_limit_per_resident -> Int4,
        retention_months -> Int4,
        asset_tag_prefix -> Text,
        receipt_prefix -> Text,
        default_factor_set_id -> Uuid,
        settings_from_env -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        suspended_at -> Nullable<Timestamptz>,
        due_soon_notice_days -> Int4,
        sim_ending_notice_days -> Int4,
    }
}

diesel::table! {
    scheme_counters (scheme_id, name) {
        scheme_id -> Uuid,
        name -> Text,
        last -> Int8,
    }
}

diesel::table! {
    sign_in_emails (email) {
        email -> Text,
        scheme_id -> Uuid,
        user_id -> Uuid,
    }
}

diesel::table! {
    api_key_prefixes (prefix) {
        prefix -> Text,
        scheme_id -> Uuid,
        key_id -> Uuid,
    }
}

diesel::table! {
    report_grants (scheme_id, user_id) {
        scheme_id -> Uuid,
        user_id -> Uuid,
        user_scheme_id -> Uuid,
        granted_at -> Timestamptz,
    }
}

diesel::joinable!(device_events -> devices (device_id));
diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(user_hubs -> users (user_id));
diesel::joinable!(user_hubs -> hubs (hub_id));
diesel::joinable!(api_keys -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    wards,
    hubs,
    organisations,
    users,
    user_hubs,
    api_keys,
    login_failures,
    donations,
    devices,
    device_events,
    refurbishment_jobs,
    wipe_records,
    disposal_records,
    idempotency_keys,
    residents,
    sales_sessions,
    sales_session_devices,
    receipt_counters,
    sales,
    sim_batches,
    sims,
    sim_allocations,
    loan_rules,
    loans,
    holds,
    impact_factor_sets,
    impact_factors,
    impact_ledger,
    impact_rollup,
    distribution_rollup,
    reach_rollup,
    reach_people,
    schemes,
    scheme_counters,
    sign_in_emails,
    api_key_prefixes,
    report_grants,
    device_resets,
    closures,
    stocktakes,
    stocktake_expected,
    stocktake_scans,
    accessory_kinds,
    handover_accessories,
    agreement_terms,
    agreements,
    outbox,
    notice_templates,
    webhooks,
    webhook_deliveries,
);
