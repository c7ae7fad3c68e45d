package quant

import (
	"strings"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/estimate/em"
	"github.com/gallisto/gallisto/internal/estimate/fraglen"
	"github.com/gallisto/gallisto/internal/estimate/fragmodel"
)

// The models of --model.
const (
	ModelKallisto = "kallisto" // kallisto 0.48's, byte for byte (the default)
	ModelFull     = "full"     // placement, fragment length and mismatch terms (package fragmodel)
)

// fullWait bounds how many fragments the full model holds back while the
// fragment length distribution is still being learnt from the first
// fldPairs unique pairs: a library that gives fewer by then gets its
// distribution from the pairs it gave. Memory: about 30 bytes a fragment.
const fullWait = 1 << 20

// fullState is a collector's part of the full model: the range classes,
// and the fragments of multi-transcript classes that arrived before the
// fragment length distribution was known, in input order.
type fullState struct {
	model   *fragmodel.Model
	classes *fragmodel.Classes
	lens    []int32 // FASTA lengths of the targets
	// pending fragments: class and the offset of its places in places.
	pendClass  []uint32
	pendOff    []int
	pendPlaces []pseudo.Place
	p          []float64 // scratch
	parts      fragmodel.Parts
}

func newFullState(lens []int32, model *fragmodel.Model, parts fragmodel.Parts) *fullState {
	return &fullState{model: model, classes: fragmodel.NewClasses(parts.NoBins), lens: lens, parts: parts}
}

// addFragment counts an aligned fragment of class id with members and
// places (one per member).
func (f *fullState) addFragment(id uint32, members []uint32, places []pseudo.Place) {
	if len(members) < 2 {
		return // singletons are the class counts' own
	}
	if f.model == nil {
		f.pendClass = append(f.pendClass, id)
		f.pendOff = append(f.pendOff, len(f.pendPlaces))
		f.pendPlaces = append(f.pendPlaces, places...)
		return
	}
	f.p = append(f.p[:0], make([]float64, len(members))...)
	f.model.Conditional(places, members, f.p)
	f.classes.Add(id, f.p)
}

// waiting reports how many fragments are held back.
func (f *fullState) waiting() int { return len(f.pendClass) }

// setModel fixes the model and counts the fragments held back.
func (f *fullState) setModel(m *fragmodel.Model, members func(uint32) []uint32) {
	f.model = m
	for i, id := range f.pendClass {
		end := len(f.pendPlaces)
		if i+1 < len(f.pendOff) {
			end = f.pendOff[i+1]
		}
		f.addFragment(id, members(id), f.pendPlaces[f.pendOff[i]:end])
	}
	f.pendClass, f.pendOff, f.pendPlaces = nil, nil, nil
}

// members returns the targets of class id (the index's or a new one).
func (c *counts) members(id uint32) []uint32 {
	if n := uint32(c.idx.NumECs()); id >= n {
		j := id - n
		return c.newMember[c.newOff[j]:c.newOff[j+1]]
	}
	return c.idx.EC(id)
}

// armFull makes the collector (and its --strand auto collectors) gather
// the full model's classes. model is the distribution when it is known up
// front (-l/-s), else nil: learnt from the first pairs.
func (c *counts) armFull(model *fragmodel.Model, parts fragmodel.Parts) {
	c.full = newFullState(c.idx.Lengths, model, parts)
	for _, a := range c.alt {
		if a != nil {
			a.armFull(model, parts)
		}
	}
}

// fullAfterBatch fixes the model once the fragment length histogram is
// complete or too many fragments wait; done says the input has ended.
func (c *counts) fullAfterBatch(done bool) {
	if c.full == nil || c.full.model != nil {
		return
	}
	if c.fldWant == 0 || c.full.waiting() >= fullWait || done {
		lens := c.idx.Lengths
		eff := fraglen.EffLens(lens, fraglen.TargetMeans(lens, fraglen.TruncMeans(c.fldHist)))
		c.full.setModel(fragmodel.New(fragmodel.Smooth(c.fldHist), lens, eff, c.full.parts), c.members)
	}
}

// fullModelFor returns the model known before the reads: the truncated
// Gaussian of -l/-s, or nil when it is to be learnt.
func (o *Options) fullModelFor(lens []int32) *fragmodel.Model {
	if o.FragLen == 0 {
		return nil
	}
	counts := fraglen.GaussianCounts(o.FragLen, o.FragSD, gaussianFLDCount)
	w := make([]float64, len(counts))
	for l, c := range counts {
		w[l] = float64(c)
	}
	eff := fraglen.EffLens(lens, fraglen.TargetMeans(lens, fraglen.GaussianTruncMeans(o.FragLen, o.FragSD)))
	return fragmodel.New(w, lens, eff, o.Ablate.parts())
}

// Ablation switches parts of the full model off, to measure what each
// buys (a hidden flag, --ablate; bench/README.md).
type Ablation struct {
	Rescue bool // place on kallisto's set only, not every transcript the hits meet
	Score  bool // no mismatch filter or term
	Length bool // no fragment length, position or facing term
	Bins   bool // no range factorization
	VB     bool // EM instead of VBEM
}

func (a Ablation) parts() fragmodel.Parts {
	return fragmodel.Parts{NoLength: a.Length, NoMismatch: a.Score, NoBins: a.Bins}
}

// Prior is the VBEM prior of the full model, in fragments per target:
// salmon 1.10's default (--vbPrior 0.01). Results move little between
// 0.001 and 0.03 (bench/README.md); it only needs to be well below one
// fragment, so that a target without evidence of its own falls to zero.
const Prior = 0.01

// fullProblem is the full model's EM problem over the collector's classes.
func (c *counts) fullProblem(effLens []float64) *em.Problem {
	n := c.idx.NumTargets()
	return c.full.classes.Problem(n, c.ecCounts[:n], c.members, effLens)
}

// fullArm is what the collectors of a --model full run start with.
type fullArm struct {
	model *fragmodel.Model // nil: learnt from the first pairs
	parts fragmodel.Parts
}

// fullDescription says what the full model uses, for the log.
func fullDescription(a Ablation) string {
	var on, off []string
	for _, p := range []struct {
		name string
		out  bool
	}{{"rescue", a.Rescue}, {"mismatches", a.Score}, {"fragment length", a.Length}, {"range classes", a.Bins}, {"VBEM", a.VB}} {
		if p.out {
			off = append(off, p.name)
		} else {
			on = append(on, p.name)
		}
	}
	d := strings.Join(on, ", ")
	if len(off) > 0 {
		d += "; switched off: " + strings.Join(off, ", ")
	}
	return d
}
