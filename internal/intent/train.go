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
	order := make([]int, len(docs))
	for i := range order {
		order[i] = i
	}
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
			for _, p := range x {
				row := m.w[int(p.doc)*k : int(p.doc)*k+k]
				for i, w := range row {
					z[i] += float64(w) * float64(p.w)
				}
			}
			softmax(z)
			z[label[d]] -= 1 // gradient of the cross-entropy
			for i := 0; i < k; i++ {
				m.bias[i] -= float32(lr * z[i])
			}
			for _, p := range x {
				row := m.w[int(p.doc)*k : int(p.doc)*k+k]
				g := lr * float64(p.w)
				for i := range row {
					row[i] -= float32(g * z[i])
				}
			}
		}
		shrink := float32(1 - lr*trainL2*float64(len(docs)))
		for i := range m.w {
			m.w[i] *= shrink
		}
	}
}

func softmax(z []float64) {
	mx := z[0]
	for _, v := range z {
		mx = max(mx, v)
	}
	var sum float64
	for i, v := range z {
		z[i] = math.Exp(v - mx)
		sum += z[i]
	}
	for i := range z {
		z[i] /= sum
	}
}
