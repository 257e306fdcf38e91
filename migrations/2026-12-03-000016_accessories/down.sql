DROP TABLE handover_accessories;
DROP TABLE accessory_kinds;
