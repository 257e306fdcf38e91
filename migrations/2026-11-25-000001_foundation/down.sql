DROP TABLE login_failures;
DROP TABLE api_keys;
DROP TABLE user_hubs;
DROP TABLE users;
DROP TABLE organisations;
DROP TABLE hubs;
DROP TABLE wards;
