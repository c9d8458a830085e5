// Background spike sources of the analog core (chip_impl.h).
#include "chip_impl.h"

#include <algorithm>

namespace hxsim {
namespace chip {

Backgrounds::Backgrounds(Tables const& t)
{
	k_background_mhz = t.constant("background_clock_mhz");
}

void Backgrounds::resolve(RegisterMap const& map)
{
	auto F = [&](char const* name) { return map.field_id(name); };
	enable = F("BackgroundSpikeSource.enable");
	random = F("BackgroundSpikeSource.enable_random");
	period = F("BackgroundSpikeSource.period");
	seed = F("BackgroundSpikeSource.seed");
	mask = F("BackgroundSpikeSource.mask");
	rate = F("BackgroundSpikeSource.rate");
	label = F("BackgroundSpikeSource.neuron_label");
	reg = map.register_id("BackgroundSpikeSource");
	if (map.reg(map.field(enable).reg).size != 8)
		fail("there must be 8 background spike sources");
}

void Backgrounds::decode(ConfigView const& v, uint64_t now)
{
	RegisterInfo const& ri = v.map().reg(reg);
	uint32_t const* words = v.words(reg);
	for (uint32_t i = 0; i < 8; ++i) {
		Source& s = bg[i];
		uint32_t const* w = words + i * ri.words;
		bool same = true;
		for (uint32_t j = 0; j < 3 && j < ri.words; ++j)
			same &= s.words[j] == w[j];
		if (same)
			continue;
		for (uint32_t j = 0; j < 3 && j < ri.words; ++j)
			s.words[j] = w[j];
		// any change restarts the source: first spike one full period after (re)enable
		uint32_t const p = uint32_t(v.get(period, i));
		s.random = v.get(random, i) != 0;
		uint32_t const r = uint32_t(v.get(rate, i));
		s.on = v.get(enable, i) != 0 && p > 0 && (!s.random || r > 0);
		s.period = double(p) * (125.0 / k_background_mhz); // in FPGA cycles
		s.p = double(r) / 255.0;
		s.mask = uint32_t(v.get(mask, i));
		s.label = uint32_t(v.get(label, i));
		s.rng.seed((uint64_t(v.get(seed, i)) & 0xffff) * 0x100000001ull + i);
		s.next = double(now) + s.period;
		if (s.on && s.random && s.p < 1.0) {
			// binned Poisson: skip the empty bins (geometric number of them)
			double const u = s.rng.uniform();
			s.next += std::floor(std::log(u) / std::log1p(-s.p)) * s.period;
		}
	}
}

void Backgrounds::invalidate()
{
	for (Source& s : bg)
		std::fill(std::begin(s.words), std::end(s.words), ~0u);
}

bool Backgrounds::any_on() const
{
	for (Source const& s : bg)
		if (s.on)
			return true;
	return false;
}

void Backgrounds::emit(uint64_t to, EventSink& sink)
{
	for (uint32_t i = 0; i < 8; ++i) {
		Source& s = bg[i];
		while (s.on && s.next < double(to)) {
			uint32_t l = s.label;
			if (s.mask)
				l = (l & ~s.mask) | (uint32_t(s.rng.next() >> 32) & s.mask);
			sink.background_spike(uint64_t(s.next), i, l & 0x3fff);
			s.next += s.period;
			if (s.random && s.p < 1.0) {
				double const u = s.rng.uniform();
				s.next += std::floor(std::log(u) / std::log1p(-s.p)) * s.period;
			}
		}
	}
}

} // namespace chip
} // namespace hxsim
