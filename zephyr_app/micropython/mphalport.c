/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * stdio for the REPL and print(): the chosen zephyr,console device (USB CDC ACM on the
 * Degu, a UART elsewhere) through Zephyr's UART API.  Input arrives in the device's
 * interrupt callback; Ctrl-C is turned into a KeyboardInterrupt there so that it also
 * stops a script that never reads input.
 */

#include <zephyr/device.h>
#include <zephyr/drivers/uart.h>
#include <zephyr/logging/log.h>
#include <zephyr/sys/ring_buffer.h>

#include "py/mphal.h"
#include "py/runtime.h"

LOG_MODULE_DECLARE(degu_mpy, CONFIG_DEGU_MICROPYTHON_LOG_LEVEL);

#define CONSOLE_NODE DT_CHOSEN(zephyr_console)

static const struct device *const console = DEVICE_DT_GET(CONSOLE_NODE);

RING_BUF_DECLARE(stdin_ring, CONFIG_DEGU_MICROPYTHON_STDIN_BUF_SIZE);

static struct k_sem stdin_sem;
static struct k_poll_signal event_signal;

static void console_isr(const struct device *dev, void *user_data)
{
	uint8_t buf[16];
	int len;

	ARG_UNUSED(user_data);

	while (uart_irq_update(dev) && uart_irq_rx_ready(dev)) {
		len = uart_fifo_read(dev, buf, sizeof(buf));
		for (int i = 0; i < len; i++) {
			if (buf[i] == mp_interrupt_char) {
				mp_sched_keyboard_interrupt();
				continue;
			}
			/* A full buffer drops input: the REPL user types slower than it reads. */
			if (ring_buf_put(&stdin_ring, &buf[i], 1) == 1) {
				k_sem_give(&stdin_sem);
			}
		}
	}
}

int mp_hal_init(void)
{
	k_sem_init(&stdin_sem, 0, K_SEM_MAX_LIMIT);
	k_poll_signal_init(&event_signal);

	if (!device_is_ready(console)) {
		return -ENODEV;
	}

	uart_irq_callback_user_data_set(console, console_isr, NULL);
	uart_irq_rx_enable(console);

	return 0;
}

void mp_hal_signal_event(void)
{
	k_poll_signal_raise(&event_signal, 0);
}

/*
 * Wait for @p sem (or only for the timeout when it is NULL); run pending scheduled work,
 * which raises KeyboardInterrupt after Ctrl-C, whenever the event signal fires.
 * Returns true when the semaphore was taken.
 */
static bool wait_sem_or_event(struct k_sem *sem, k_timeout_t timeout)
{
	struct k_poll_event events[2] = {
		K_POLL_EVENT_INITIALIZER(K_POLL_TYPE_SIGNAL, K_POLL_MODE_NOTIFY_ONLY,
					 &event_signal),
		K_POLL_EVENT_INITIALIZER(K_POLL_TYPE_SEM_AVAILABLE, K_POLL_MODE_NOTIFY_ONLY, sem),
	};
	int ret;

	ret = k_poll(events, sem != NULL ? 2 : 1, timeout);
	if (ret == -EAGAIN) {
		return false;
	}

	if (events[0].state == K_POLL_STATE_SIGNALED) {
		k_poll_signal_reset(&event_signal);
		mp_handle_pending(true);
	}

	return sem != NULL && k_sem_take(sem, K_NO_WAIT) == 0;
}

void mp_hal_delay_ms(mp_uint_t ms)
{
	int64_t end = k_uptime_get() + ms;
	int64_t now = k_uptime_get();

	while (now < end) {
		wait_sem_or_event(NULL, K_MSEC(end - now));
		now = k_uptime_get();
	}
	mp_handle_pending(true);
}

int mp_hal_stdin_rx_chr(void)
{
	uint8_t c;

	unsigned int key;
	uint32_t got;

	for (;;) {
		/* The ring buffer has no locking of its own; the producer is console_isr(). */
		key = irq_lock();
		got = ring_buf_get(&stdin_ring, &c, 1);
		irq_unlock(key);
		if (got == 1) {
			return c;
		}
		wait_sem_or_event(&stdin_sem, K_FOREVER);
	}
}

/*
 * A USB CDC ACM console with no terminal open on the host drops every byte, and logs each
 * drop; a sensor printing on battery would spend its time there.  DTR says a terminal is
 * open.  A console without line control (a plain UART) is always written, one that failed
 * its init never.
 */
static bool console_listening(void)
{
	uint32_t dtr = 0;

	if (!device_is_ready(console)) {
		return false;
	}
	if (uart_line_ctrl_get(console, UART_LINE_CTRL_DTR, &dtr) < 0) {
		return true;
	}

	return dtr != 0;
}

mp_uint_t mp_hal_stdout_tx_strn(const char *str, size_t len)
{
	if (!console_listening()) {
		return len;
	}

	for (size_t i = 0; i < len; i++) {
		uart_poll_out(console, str[i]);
	}

	return len;
}
