/* SPDX-License-Identifier: GPL-2.0-only */
/* Declarations shared by the files of the RISC-V vCPU core. */
#ifndef __KVMOD_RISCV_H
#define __KVMOD_RISCV_H

#include <linux/kvmod_host.h>

/* Host facts found at module load (main.c). */
extern unsigned int kvmod_riscv_gpa_bits;
extern unsigned int kvmod_riscv_vmid_bits;
extern bool kvmod_riscv_has_sstc;
extern bool kvmod_riscv_has_smstateen;
extern bool kvmod_riscv_has_ssaia;

/* switch.S, fpu.S, tlb.S */
void kvmod_riscv_switch_to_guest(struct kvmod_riscv_switch *sw);
unsigned long kvmod_riscv_unpriv_read_insn(unsigned long addr,
					   struct kvmod_riscv_trap *trap);
void kvmod_riscv_hfence_gvma_vmid(unsigned long vmid);
void kvmod_riscv_hfence_gvma_gpa(unsigned long gpa_shr2, unsigned long vmid);
void kvmod_riscv_hfence_gvma_all(void);
void kvmod_riscv_hfence_vvma_all(void);
void kvmod_riscv_fp_save(struct __riscv_d_ext_state *state);
void kvmod_riscv_fp_restore(const struct __riscv_d_ext_state *state);

/* gstage.c */
int kvmod_riscv_gstage_init(struct kvmod_vm *vm);
void kvmod_riscv_gstage_destroy(struct kvmod_vm *vm);
void kvmod_riscv_gstage_load(struct kvmod_vcpu *vcpu);
int kvmod_riscv_gstage_map_device(struct kvmod_vcpu *vcpu, u64 gpa,
				  bool (*valid)(void *arg), void *arg, phys_addr_t pa);

/* isa.c */
void kvmod_riscv_isa_init(struct kvmod_vcpu *vcpu);
int kvmod_riscv_isa_ext_get(struct kvmod_vcpu *vcpu, unsigned long id,
			    unsigned long *val);
int kvmod_riscv_isa_ext_set(struct kvmod_vcpu *vcpu, unsigned long id,
			    unsigned long val);
int kvmod_riscv_isa_config_set(struct kvmod_vcpu *vcpu, unsigned long val);

/* vector.c */
bool kvmod_riscv_vector_usable(void);
bool kvmod_riscv_vector_enabled(const struct kvmod_vcpu *vcpu);
int kvmod_riscv_vector_init(struct kvmod_vcpu *vcpu);
void kvmod_riscv_vector_destroy(struct kvmod_vcpu *vcpu);
void kvmod_riscv_vector_reset(struct kvmod_vcpu *vcpu);
void kvmod_riscv_vector_load(struct kvmod_vcpu *vcpu);
void kvmod_riscv_vector_enter(struct kvmod_vcpu *vcpu);
void kvmod_riscv_vector_exit(struct kvmod_vcpu *vcpu);
int kvmod_riscv_vector_onereg(struct kvmod_vcpu *vcpu, const struct kvm_one_reg *reg,
			      bool set);
unsigned long kvmod_riscv_vector_reg_list(struct kvmod_vcpu *vcpu, u64 *out);

/* vcpu.c */
void kvmod_riscv_set_irq(struct kvmod_vcpu *vcpu, unsigned int irq, bool level);
bool kvmod_riscv_isa_enabled(const struct kvmod_vcpu *vcpu, unsigned int ext);
void kvmod_riscv_redirect_trap(struct kvmod_vcpu *vcpu, unsigned long cause,
			       unsigned long tval);

/* mmio.c */
/**
 * struct kvmod_riscv_mmio_insn - a decoded integer load or store
 * @load: a load (else a store)
 * @sign: the loaded value is sign-extended
 * @len: access size in bytes
 * @reg: rd of a load, rs2 of a store
 */
struct kvmod_riscv_mmio_insn {
	bool load;
	bool sign;
	u8 len;
	u8 reg;
};

bool kvmod_riscv_mmio_decode(unsigned long insn, struct kvmod_riscv_mmio_insn *d);
int kvmod_riscv_read_guest_insn(struct kvmod_vcpu *vcpu, unsigned long *insn);
int kvmod_riscv_mmio_exit(struct kvmod_vcpu *vcpu, u64 gpa, bool write);

/**
 * kvmod_riscv_gpr() - a guest integer register
 * @vcpu: the vCPU
 * @n: register number, 1..31 (x0 is the pc's slot: callers skip it)
 *
 * Return: where the world switch keeps x<n> (struct user_regs_struct).
 */
static inline unsigned long *kvmod_riscv_gpr(struct kvmod_vcpu *vcpu, unsigned int n)
{
	return &((unsigned long *)&vcpu->arch.sw.guest.regs)[n];
}

/**
 * kvmod_riscv_decode_csr() - decode a Zicsr instruction
 * @insn: the instruction
 * @csr: the CSR it accesses
 * @rd: its destination register
 * @writes: whether it writes the CSR (csrrw[i] always; set/clear with a
 *	non-zero source)
 *
 * Return: true when @insn is a CSR instruction.
 */
static inline bool kvmod_riscv_decode_csr(unsigned long insn, unsigned int *csr,
					  unsigned int *rd, bool *writes)
{
	unsigned int funct3 = (insn >> 12) & 7;

	if ((insn & 0x7f) != 0x73 || !funct3 || funct3 == 4)
		return false;
	*csr = (insn >> 20) & 0xfff;
	*rd = (insn >> 7) & 31;
	*writes = (funct3 & 3) == 1 || ((insn >> 15) & 31);
	return true;
}

/**
 * kvmod_riscv_csr_operands() - what a Zicsr instruction writes
 * @vcpu: the vCPU that ran it
 * @insn: the instruction (kvmod_riscv_decode_csr() accepted it)
 * @new_value: the values it writes
 * @write_mask: the bits it writes
 *
 * As KVM_EXIT_RISCV_CSR puts it: csrrw writes all bits of its source,
 * csrrs sets and csrrc clears the source's bits; the immediate forms take
 * the 5-bit zimm as the source, and x0 reads 0.
 */
static inline void kvmod_riscv_csr_operands(struct kvmod_vcpu *vcpu, unsigned long insn,
					    unsigned long *new_value,
					    unsigned long *write_mask)
{
	unsigned int funct3 = (insn >> 12) & 7, src = (insn >> 15) & 31;
	unsigned long val = funct3 & 4 || !src ? src : *kvmod_riscv_gpr(vcpu, src);

	switch (funct3 & 3) {
	case 1:		/* csrrw */
		*new_value = val;
		*write_mask = ~0UL;
		break;
	case 2:		/* csrrs */
		*new_value = ~0UL;
		*write_mask = val;
		break;
	default:	/* csrrc */
		*new_value = 0;
		*write_mask = val;
		break;
	}
}

/* exit.c */
int kvmod_riscv_csr_exit(struct kvmod_vcpu *vcpu, unsigned long insn);

/* sbi.c */
int kvmod_riscv_sbi_ecall(struct kvmod_vcpu *vcpu);
void kvmod_riscv_sbi_init_vcpu(struct kvmod_vcpu *vcpu);
int kvmod_riscv_sbi_ext_get(struct kvmod_vcpu *vcpu, unsigned long ext,
			    unsigned long *val);
int kvmod_riscv_sbi_ext_set(struct kvmod_vcpu *vcpu, unsigned long ext,
			    unsigned long val);
bool kvmod_riscv_sbi_ext_on(struct kvmod_vcpu *vcpu, int idx);

/* hstateen.c */
/**
 * enum kvmod_riscv_hstateen_action - what a trapped CSR access asks for
 * @KVMOD_HSTATEEN_NOT_GATED: no hstateen0 bit of the vCPU gates it
 * @KVMOD_HSTATEEN_ENABLE: the guest may have the state: enable the bit
 * @KVMOD_HSTATEEN_ILLEGAL: the guest lacks the extension
 */
enum kvmod_riscv_hstateen_action {
	KVMOD_HSTATEEN_NOT_GATED,
	KVMOD_HSTATEEN_ENABLE,
	KVMOD_HSTATEEN_ILLEGAL,
};

enum kvmod_riscv_hstateen_action
kvmod_riscv_hstateen_decide(unsigned long insn, u64 hstateen0,
			    const unsigned long *isa, unsigned int *bit);
void kvmod_riscv_hstateen_init(struct kvmod_vcpu *vcpu);
u64 kvmod_riscv_hstateen_initial(struct kvmod_vcpu *vcpu);
int kvmod_riscv_hstateen_trap(struct kvmod_vcpu *vcpu, unsigned long insn);

/* aia.c, imsic.c */
/* An AIA address not set yet (upstream's KVM_RISCV_AIA_UNDEF_ADDR). */
#define KVMOD_RISCV_AIA_NO_ADDR		(~0ULL)

struct kvmod_riscv_aplic;

bool kvmod_riscv_aia_available(void);
void kvmod_riscv_aia_msi_to_hart(struct kvmod_vm *vm, u32 hart, u32 guest, u32 id);
long kvmod_riscv_aia_irq_line(struct kvmod_vm *vm, void __user *argp);
struct kvmod_riscv_aplic *kvmod_riscv_aplic_create(struct kvmod_vm *vm, unsigned int nr);
struct kvmod_io_range kvmod_riscv_aplic_range(struct kvmod_riscv_aplic *a, u64 addr);
void kvmod_riscv_aplic_destroy(struct kvmod_riscv_aplic *a);
int kvmod_riscv_aplic_set_line(struct kvmod_riscv_aplic *a, u32 irq, bool lvl);
void kvmod_riscv_aplic_reg(struct kvmod_riscv_aplic *a, u32 off, u32 *val,
			   bool write);
unsigned int kvmod_riscv_aia_nr_ids(struct kvmod_vm *vm);
int kvmod_riscv_aia_csr(struct kvmod_vcpu *vcpu, unsigned long idx, u64 *val,
			bool set);
void kvmod_riscv_aia_load(struct kvmod_vcpu *vcpu);
void kvmod_riscv_aia_put(struct kvmod_vcpu *vcpu);
void kvmod_riscv_imsic_init(struct kvmod_vcpu *vcpu);
void kvmod_riscv_imsic_load(struct kvmod_vcpu *vcpu);
void kvmod_riscv_imsic_put(struct kvmod_vcpu *vcpu);
void kvmod_riscv_imsic_destroy(struct kvmod_vcpu *vcpu);
void kvmod_riscv_imsic_evict(struct kvmod_vcpu *vcpu);
struct kvmod_vcpu *kvmod_riscv_imsic_page_owner(struct kvmod_vm *vm, u64 gpa);
int kvmod_riscv_imsic_msi(struct kvmod_vm *vm, const struct kvm_msi *msi);
int kvmod_riscv_imsic_isel_check(struct kvmod_vcpu *vcpu, unsigned long isel);
bool kvmod_riscv_imsic_hw_page(struct kvmod_vm *vm, u64 gpa);
int kvmod_riscv_imsic_map_page(struct kvmod_vcpu *vcpu, u64 gpa);
bool kvmod_riscv_aia_hw_mode(struct kvmod_vm *vm);
bool kvmod_riscv_aia_ready(struct kvmod_vm *vm);
unsigned int kvmod_riscv_aia_max_ids(void);

/* hgei.c */
void kvmod_riscv_hgei_init(unsigned int files);
void kvmod_riscv_hgei_exit(void);
unsigned int kvmod_riscv_hgei_files(void);
unsigned int kvmod_riscv_hgei_nr_ids(void);
unsigned int kvmod_riscv_hgei_alloc(struct kvmod_vcpu *vcpu);
void kvmod_riscv_hgei_free(unsigned int n);
void kvmod_riscv_hgei_inject(unsigned int cpu, unsigned int n, u32 id);
phys_addr_t kvmod_riscv_hgei_pa(unsigned int cpu, unsigned int n);
unsigned long kvmod_riscv_hgei_rmw(unsigned int n, unsigned long isel,
				   unsigned long wmask, unsigned long val);
void kvmod_riscv_imsic_reset(struct kvmod_vcpu *vcpu);
void kvmod_riscv_imsic_inject(struct kvmod_vcpu *vcpu, u32 id);
int kvmod_riscv_imsic_reg(struct kvmod_vcpu *vcpu, unsigned long isel,
			  unsigned long *val, bool set);
int kvmod_riscv_imsic_csr_insn(struct kvmod_vcpu *vcpu, unsigned long insn);
struct kvmod_io_range kvmod_riscv_imsic_range(struct kvmod_vcpu *vcpu);

/* pmu.c */
void kvmod_riscv_pmu_init(void);
bool kvmod_riscv_pmu_available(void);
void kvmod_riscv_pmu_fw_event(struct kvmod_vcpu *vcpu, unsigned int event);
long kvmod_riscv_pmu_ecall(struct kvmod_vcpu *vcpu, unsigned long fid,
			   const unsigned long *args, unsigned long *value);
int kvmod_riscv_pmu_csr_insn(struct kvmod_vcpu *vcpu, unsigned long insn);
void kvmod_riscv_pmu_handle_overflow(struct kvmod_vcpu *vcpu);
void kvmod_riscv_pmu_reset(struct kvmod_vcpu *vcpu);
void kvmod_riscv_pmu_destroy(struct kvmod_vcpu *vcpu);
unsigned long kvmod_riscv_pmu_hcounteren(struct kvmod_vcpu *vcpu);

/* sta.c */
bool kvmod_riscv_sta_available(void);
void kvmod_riscv_sta_record(struct kvmod_vcpu *vcpu);
long kvmod_riscv_sta_ecall(struct kvmod_vcpu *vcpu, unsigned long fid,
			   unsigned long lo, unsigned long hi,
			   unsigned long flags);
void kvmod_riscv_sta_reset(struct kvmod_vcpu *vcpu);
int kvmod_riscv_sta_reg(struct kvmod_vcpu *vcpu, unsigned long idx, u64 *val,
			bool set);

/* timer.c */
void kvmod_riscv_timer_init(struct kvmod_vcpu *vcpu);
bool kvmod_riscv_timer_armed(const struct kvmod_vcpu *vcpu);
void kvmod_riscv_timer_destroy(struct kvmod_vcpu *vcpu);
void kvmod_riscv_timer_load(struct kvmod_vcpu *vcpu);
void kvmod_riscv_timer_put(struct kvmod_vcpu *vcpu);
void kvmod_riscv_timer_set(struct kvmod_vcpu *vcpu, u64 compare);
bool kvmod_riscv_timer_pending(struct kvmod_vcpu *vcpu);
u64 kvmod_riscv_guest_time(struct kvmod_vm *vm);

/* onereg.c */
long kvmod_riscv_vcpu_onereg_ioctl(struct kvmod_vcpu *vcpu, unsigned int ioctl,
				   void __user *argp);

#endif /* __KVMOD_RISCV_H */
