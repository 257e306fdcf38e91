// Diesel table definitions, kept in step with migrations/ (see diesel.toml).

diesel::table! {
    wards (id) {
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
    }
}

diesel::table! {
    organisations (id) {
        id -> Uuid,
        name -> Text,
        roles -> Array<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
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
        user_id -> Uuid,
        hub_id -> Uuid,
    }
}

diesel::table! {
    api_keys (id) {
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

diesel::joinable!(hubs -> wards (ward_id));
diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(user_hubs -> users (user_id));
diesel::joinable!(user_hubs -> hubs (hub_id));
diesel::joinable!(api_keys -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(wards, hubs, organisations, users, user_hubs, api_keys, login_failures,);
