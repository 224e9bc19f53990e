//! placeholder until the MQTT engineer lands it
