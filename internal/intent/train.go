package intent

import (
	_ "embed"
	"encoding/binary"
	"hash/fnv"
	"math"
)

// Softmax regression over the same features as the phrase vectors. The
// cosine scores say how close a question is to what the catalogue knows; the
// regression learns which words separate neighbouring intents (a "ticket" in
// a priority question points to the backlog, not to initiatives). Training
// is plain SGD in a fixed order, so the same catalogue always gives the same
// weights.
var (
	trainEpochs = 32
	trainRate   = 0.6
	trainDecay  = 0.15 // learning-rate decay per epoch
	trainL2     = 1e-4
)

// trained holds the regression weights of the built-in catalogue, fitted
// once by `go generate` (see TestWeightsFile): the first four bytes of the
// file are not weights but the trainingKey of the input they were fitted
// on, so weights for another catalogue are never used, and a catalogue
// that differs (custom intents, taught phrases, an edited intents/ without
// a regenerated file) is trained at load instead. The same go generate
// writes catalogue_gen.go, the parsed intents/ (see parse).
//
//go:generate go test -run ^TestWeightsFile$ -args -write-weights
//go:embed weights.bin
var trained []byte

// trainingKey identifies the input of train: the phrase vectors, their
// labels and the training knobs. Equal keys give equal weights, since
// training is deterministic.
func trainingKey(k, nf int, docs [][]posting, label []int32) uint64 {
	h := fnv.New64a()
	var b [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
	}
	put(uint64(k))
	put(uint64(nf))
	put(uint64(trainEpochs))
	put(math.Float64bits(trainRate))
	put(math.Float64bits(trainDecay))
	put(math.Float64bits(trainL2))
	for d, x := range docs {
		put(uint64(label[d]))
		put(uint64(len(x)))
		for _, p := range x {
			put(uint64(p.doc)<<32 | uint64(math.Float32bits(p.w)))
		}
	}
	return h.Sum64()
}

// encodeWeights is the weights file for m: the training key, then the
// biases and the weights as little-endian float32.
func (m *model) encodeWeights(key uint64) []byte {
	out := binary.LittleEndian.AppendUint64(nil, key)
	for _, v := range m.bias {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	for _, v := range m.w {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	return out
}

// loadWeights takes the weights from data when they were fitted on exactly
// this input (key) and reports whether it did.
func (m *model) loadWeights(data []byte, key uint64) bool {
	k, nf := m.nIntents, len(m.idf)
	if len(data) != 8+4*(k+nf*k) || binary.LittleEndian.Uint64(data) != key {
		return false
	}
	data = data[8:]
	m.bias = make([]float32, k)
	for i := range m.bias {
		m.bias[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	data = data[4*k:]
	m.w = make([]float32, nf*k)
	for i := range m.w {
		m.w[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return true
}

// fit sets m.w and m.bias: from the generated weights file when it was made
// for this input, else by training.
func (m *model) fit(docs [][]posting, label []int32) {
	m.trainKey = trainingKey(m.nIntents, len(m.idf), docs, label)
	if m.loadWeights(trained, m.trainKey) {
		m.pretrained = true
		return
	}
	m.train(docs, label)
}

// train fits m.w (feature-major: w[f*k+i]) and m.bias on the phrase vectors.
func (m *model) train(docs [][]posting, label []int32) {
	k := m.nIntents
	nf := len(m.idf)
	m.w = make([]float32, nf*k)
	m.bias = make([]float32, k)
	seed := uint64(0x9e3779b97f4a7c15)
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
