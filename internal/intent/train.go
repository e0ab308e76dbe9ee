package intent

import "math"

// Softmax regression over the same features as the phrase vectors. The
// cosine scores say how close a question is to what the catalogue knows; the
// regression learns which words separate neighbouring intents (a "ticket" in
// a priority question points to the backlog, not to initiatives). Training
// is plain SGD in a fixed order, so the same catalogue always gives the same
// weights.
var (
	trainEpochs = 8
	trainRate   = 0.6
	trainDecay  = 0.15 // learning-rate decay per epoch
	trainL2     = 2e-4
)

// train fits m.w (feature-major: w[f*k+i]) and m.bias on the phrase vectors.
func (m *model) train(docs [][]posting, label []int32) {
	k := m.nIntents
	nf := len(m.idf)
	m.w = make([]float32, nf*k)
	m.bias = make([]float32, k)
	z := make([]float64, k)
	acc := make([]float32, k)
	grad := make([]float32, k)
	order := make([]int, len(docs))
	for i := range order {
		order[i] = i
	}
	// The L2 shrink is kept as one running scale of all weights (stored
	// weights times scale are the real ones) instead of a pass over every
	// weight each epoch.
	scale := 1.0
	seed := uint64(0x9e3779b97f4a7c15)
	for e := 0; e < trainEpochs; e++ {
		// deterministic shuffle (xorshift), so SGD does not see intents in blocks
		for i := len(order) - 1; i > 0; i-- {
			seed ^= seed << 13
			seed ^= seed >> 7
			seed ^= seed << 17
			j := int(seed % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		lr := trainRate / (1 + trainDecay*float64(e))
		for _, d := range order {
			x := docs[d]
			for i := 0; i < k; i++ {
				z[i] = float64(m.bias[i])
			}
			// the per-feature rows are summed and updated in float32, the
			// precision the weights are kept in
			clear(acc)
			for _, p := range x {
				row := m.w[int(p.doc)*k : int(p.doc)*k+k]
				pw := p.w * float32(scale)
				for i, w := range row {
					acc[i] += w * pw
				}
			}
			for i := range z {
				z[i] += float64(acc[i])
			}
			softmax(z)
			z[label[d]] -= 1 // gradient of the cross-entropy
			for i := 0; i < k; i++ {
				m.bias[i] -= float32(lr * z[i])
				grad[i] = float32(z[i])
			}
			for _, p := range x {
				row := m.w[int(p.doc)*k : int(p.doc)*k+k]
				g := float32(lr * float64(p.w) / scale)
				for i, v := range grad {
					row[i] -= g * v
				}
			}
		}
		scale *= 1 - lr*trainL2*float64(len(docs))
	}
	for i := range m.w {
		m.w[i] = float32(float64(m.w[i]) * scale)
	}
}

func softmax(z []float64) {
	mx := z[0]
	for _, v := range z {
		mx = max(mx, v)
	}
	var sum float64
	for i, v := range z {
		z[i] = expNeg(v - mx)
		sum += z[i]
	}
	for i := range z {
		z[i] /= sum
	}
}

// expNeg is e^x for x ≤ 0, to about 1e-13 relative error: the softmax
// takes one per intent for every phrase of every training epoch, and this
// is several times cheaper than math.Exp.
func expNeg(x float64) float64 {
	if x < -700 {
		return 0
	}
	// x = n·ln2 + r with |r| ≤ ln2/2, e^x = 2^n · e^r
	n := math.Floor(x*math.Log2E + 0.5)
	r := x - n*math.Ln2
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040+r*(1.0/40320+r*(1.0/362880+r*(1.0/3628800))))))))))
	return p * math.Float64frombits(uint64(int64(n)+1023)<<52)
}
