/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two cascaded 8259A PICs (master on IRQ 0-7, slave on master pin 2).
 */
#ifndef MINIKVM_MODULE_IRQ_PIC_H
#define MINIKVM_MODULE_IRQ_PIC_H

#include <linux/kvm.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct minikvm_vm;

/**
 * struct minikvm_pic - both 8259s of a VM.
 * @lock: protects @chips and @output; taken by KVM_IRQ_LINE, KVM_GET/SET_
 *	IRQCHIP, port I/O to 0x20/0x21/0xa0/0xa1/0x4d0/0x4d1 and the vCPU
 *	acknowledging an interrupt.  Never taken in hard interrupt context.
 * @vm: the VM.
 * @chips: master (0) and slave (1), in KVM_GET_IRQCHIP's format.
 * @output: the master's INTR line; also read locklessly (READ_ONCE) by
 *	the vCPU thread to decide whether to take the PIC lock at all.
 */
struct minikvm_pic {
	spinlock_t lock;	/* protects chips and output */
	struct minikvm_vm *vm;
	struct kvm_pic_state chips[2];
	bool output;
};

void minikvm_pic_init(struct minikvm_pic *pic, struct minikvm_vm *vm);
int minikvm_pic_set_irq(struct minikvm_pic *pic, u32 irq, bool level);
int minikvm_pic_read_irq(struct minikvm_pic *pic);
bool minikvm_pic_is_port(u16 port);
void minikvm_pic_pio(struct minikvm_pic *pic, bool in, u16 port, u8 *val);
void minikvm_pic_get_state(struct minikvm_pic *pic, int chip,
			   struct kvm_pic_state *s);
void minikvm_pic_set_state(struct minikvm_pic *pic, int chip,
			   const struct kvm_pic_state *s);

#endif /* MINIKVM_MODULE_IRQ_PIC_H */
