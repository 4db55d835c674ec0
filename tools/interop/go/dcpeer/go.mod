module dcpeer

go 1.19
