"""Adversarial fine-tuning of the melody Transformer against the critic
(models/inference/critic.py; in torch, models/networks/critic_net.py).

SeqGAN's loop, on the path the product samples through:

1. Rollouts: the current generator writes 4-bar phrases for training-split excerpts (their
   controls and chords) with the product's sampler (`MelodyModel.sample`: forced scaffold,
   logit filters, nucleus), in numpy. `RolloutModel` records, for every sampled token, its
   position and what the filters did to the logits (an additive offset, -1e4 where a token
   was barred), so the policy gradient below is the gradient of the distribution actually
   sampled from, not of the raw network.
2. Reward: the critic's logit for the whole phrase; advantage = reward minus the batch
   mean, over the batch's standard deviation (REINFORCE with a baseline). Monte-Carlo
   rollouts per token (SeqGAN's intermediate rewards) would cost a phrase of sampling per
   token: about 60× the work, more than 2 shared cores give in an hour.
3. Generator step: loss = −A · Σ_t log π(a_t) / (mean actions) + β · mean_t KL(π_t ‖ π_base,t)
   + λ · NLL(real phrases), the KL taken exactly over the vocabulary of the filtered
   distributions, against the frozen base model, so the generator cannot drift into a few
   phrases the critic likes; the real excerpts' cross-entropy (InstructGPT's "ptx" mix)
   holds the held-out NLL, which the KL alone did not.
4. Critic step: binary cross-entropy on the excerpts' real phrases against the rollouts.

Alternating 3 and 4 is the GAN. `train` is time-budgeted and resumable (runs/gan/state.pt);
it writes the fine-tuned generator as a candidate, and models/evaluation/gates.py decides whether it
ships.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from models.core.grid import Bar
from models.core.tokenizer import Header, Tokenizer
from models.inference import critic, filters
from models.inference.decoder import NumpyTransformer
from models.inference.sampler import MelodyModel
from models.networks import critic_net, torch_checkpoint

log = logging.getLogger(__name__)
BARRED = -1e4  # a barred token's offset: exp() is 0, yet p·(log p − log q) stays finite


@dataclass(frozen=True)
class GanConfig:
    """One adversarial run."""

    minutes: float = 45.0  # wall clock, counting the runs it resumes
    batch: int = 24  # rollouts per generator step
    lr: float = 2e-5  # the generator's Adam learning rate
    critic_lr: float = 3e-4
    kl: float = 0.5  # β: weight of the per-token KL to the base model
    # λ: weight of the real phrases' cross-entropy (the excerpts the batch was written for):
    # a KL penalty alone let validation NLL rise 6 % in 40 steps (β 0.1), past the 3 % gate
    mle: float = 1.0
    eval_every: int = 20  # steps between validation NLL, candidate and state saves
    nll_limit: float = 1.02  # a candidate is kept only within this factor of the base NLL
    bars: int = critic.PHRASE_BARS
    # the sampler's settings, as evaluate.compare writes (and the product's defaults)
    top_p: float = 0.95
    scale_strictness: float = 0.8
    pitch_range: tuple[int, int] = (48, 90)
    seed: int = 0


@dataclass
class Rollout:
    """One sampled phrase, with what the policy gradient needs."""

    header: Header
    ids: list[int]  # every token fed, header first, plus a final sampled BAR if any
    positions: list[int]  # index in `ids` of each sampled token
    offsets: list[np.ndarray] = field(default_factory=list)  # (vocab,) filter offsets each
    bars: list[Bar] = field(default_factory=list)

    @property
    def tokens(self) -> list[int]:
        return [self.ids[p] for p in self.positions]


class _Feed:
    """A decoder that remembers the ids fed since its last `new_cache`."""

    def __init__(self, network):
        self.network, self.context, self.fed = network, network.context, []

    def new_cache(self):
        self.fed = []
        return self.network.new_cache()

    def running(self):
        return self.network.running()

    def step(self, token, cache):
        self.fed.append(token)
        return self.network.step(token, cache)

    def prefill(self, ids, cache):
        self.fed += list(ids)
        return self.network.prefill(ids, cache)


class RolloutModel(MelodyModel):
    """`MelodyModel` whose every sample also records its sampled positions and offsets."""

    def __init__(self, network, meta: dict, tokenizer: Tokenizer, top_p: float):
        super().__init__(network, meta, tokenizer)
        self.network = _Feed(self.network)
        self.top_p = top_p
        self.records: list[tuple[int, np.ndarray]] = []

    def _filters(self, *args, **kwargs):
        chain = super()._filters(*args, **kwargs)
        raw = {}

        def before(logits, step):
            raw["logits"] = logits
            return logits

        def after(logits, step):
            # what `_sample` draws from at temperature 1: the nucleus of the filtered logits
            kept = filters.nucleus(logits, self.top_p)
            offset = np.maximum(kept - raw["logits"], BARRED).astype(np.float32)
            self.records.append((len(self.network.fed), offset))
            return logits

        return [before, *chain, after]

    def rollout(self, header: Header, chords, seed: int, config: GanConfig) -> Rollout:
        """One phrase for `chords` under `header`, sampled as the product samples."""
        self.records = []
        self.sample(header, chords, seed=seed, sections=["A"] * len(chords), top_p=config.top_p,
                    scale_strictness=config.scale_strictness, pitch_range=config.pitch_range)
        ids = list(self.network.fed)
        _, bars = self.tokenizer.decode(ids)
        if len(ids) > self.context - 1:
            raise ValueError("a rollout outgrew the context (refills are not recorded)")
        positions = [p for p, _ in self.records]
        if positions and positions[-1] == len(ids):  # the closing BAR was sampled, not fed
            ids.append(self.tokenizer.index["BAR"])
        return Rollout(header, ids, positions, [o for _, o in self.records], bars)


def numpy_twin(network) -> NumpyTransformer:
    """The torch Transformer's current weights as the numpy decoder the sampler runs."""
    weights = {k: v.detach().float().cpu().numpy() for k, v in network.state_dict().items()}
    return NumpyTransformer(weights, asdict(network.config))


def policy_loss(policy, base, rollouts: list[Rollout], advantages: np.ndarray, beta: float):
    """(loss, mean KL per token, mean log π of the sampled tokens) of one batch.

    Both networks score the same ids; at each sampled position the filter offset recorded
    at sampling time is added to both, so log π and the KL are those of the filtered
    distributions.
    """
    import torch
    from torch.nn import functional as F

    width = max(len(r.ids) for r in rollouts)
    ids = torch.zeros(len(rollouts), width, dtype=torch.long)  # 0 = PAD, after the real ids
    rows, cols, tokens, offsets, owner = [], [], [], [], []
    for b, r in enumerate(rollouts):
        ids[b, : len(r.ids)] = torch.tensor(r.ids)
        for position, offset in zip(r.positions, r.offsets, strict=True):
            rows.append(b)
            cols.append(position - 1)  # the logits after the previous token predict it
            tokens.append(r.ids[position])
            offsets.append(offset)
            owner.append(b)
    if not rows:
        zero = torch.zeros((), requires_grad=True)
        return zero, 0.0, 0.0
    offsets = torch.from_numpy(np.stack(offsets))  # (A, vocab)
    rows, cols = torch.tensor(rows), torch.tensor(cols)
    logits, _ = policy(ids[:, :-1])  # (B, width - 1, vocab)
    log_p = F.log_softmax(logits[rows, cols].float() + offsets, -1)  # (A, vocab)
    with torch.no_grad():
        base_logits, _ = base(ids[:, :-1])
        log_q = F.log_softmax(base_logits[rows, cols].float() + offsets, -1)
    chosen = log_p.gather(1, torch.tensor(tokens)[:, None])[:, 0]  # (A,)
    kl = (log_p.exp() * (log_p - log_q)).sum(1)  # (A,) KL(π ‖ π_base) per sampled token
    weight = torch.from_numpy(advantages.astype(np.float32))[torch.tensor(owner)]
    actions = len(tokens) / len(rollouts)  # mean sampled tokens per phrase
    loss = -(weight * chosen).sum() / len(rollouts) / actions + beta * kl.mean()
    return loss, float(kl.detach().mean()), float(chosen.detach().mean())


def real_loss(policy, tokenizer: Tokenizer, chosen) -> object:
    """Mean cross-entropy per token of the real excerpts, tokenised as rollouts are fed."""
    import torch

    rows = []
    for header, bars in chosen:
        ids = tokenizer.ids(header.tokens())
        for index, bar in enumerate(bars):  # one 'A' section: BPOS from 0, no LAST
            ids += tokenizer.ids(tokenizer.bar_tokens(bar, index, None, False))
        rows.append(ids[: policy.config.context])
    ids = torch.zeros(len(rows), max(map(len, rows)), dtype=torch.long)  # 0 = PAD, ignored
    for row, tokens in enumerate(rows):
        ids[row, : len(tokens)] = torch.tensor(tokens)
    _, loss = policy(ids[:, :-1], ids[:, 1:])
    return loss


def advantages_of(rewards: np.ndarray) -> np.ndarray:
    """Reward minus the batch mean, over the batch's spread (REINFORCE with a baseline)."""
    return (rewards - rewards.mean()) / (rewards.std() + 1e-6)


def encode_rollouts(rollouts: list[Rollout]) -> list[critic.Encoded]:
    return [critic.encode(r.bars, r.header.style, r.header.mode) for r in rollouts]


def excerpts(cache_dir: Path, split: str, bars: int, seed: int,
             count: int | None = None) -> list[tuple[Header, list[Bar]]]:
    """(header, bars 2..bars + 1) of a split's pieces with one meter over those bars."""
    from models.training import corpus

    tokenizer = Tokenizer()
    pieces = [p for p in corpus.load(cache_dir, split)
              if len(p.bars) > bars and len({b.meter for b in p.bars[: bars + 1]}) == 1]
    order = np.random.default_rng(seed).permutation(len(pieces))[:count]
    return [(tokenizer.header_of(pieces[i]), list(pieces[i].bars[1: bars + 1])) for i in order]


def rollouts_for(model: RolloutModel, chosen, seed: int, config: GanConfig) -> list[Rollout]:
    return [model.rollout(header, [b.chord for b in bars], seed + i, config)
            for i, (header, bars) in enumerate(chosen)]


@dataclass
class _Run:
    """A run's networks, optimisers and progress (`state`, saved to run_dir/state.pt)."""

    base: object  # the frozen pretrained Transformer (torch): the KL's reference
    base_meta: dict
    policy: object  # the Transformer being fine-tuned (torch)
    judge: object  # the critic being trained alongside (torch)
    optimizer: object
    judge_optimizer: object
    state: dict
    state_path: Path
    began: float = 0.0  # time.time() when the run started, moved back by earlier sessions

    def save(self) -> None:
        import torch

        self.state["elapsed"] = time.time() - self.began
        torch.save({"policy": self.policy.state_dict(), "critic": self.judge.state_dict(),
                    "optimizer": self.optimizer.state_dict(),
                    "critic_optimizer": self.judge_optimizer.state_dict(),
                    "state": self.state}, self.state_path)


def _open(run_dir: Path, config: GanConfig, critic_path: Path, tokenizer: Tokenizer) -> _Run:
    """The base and the policy (both the shipped Transformer) and the critic, resumed from
    `run_dir`/state.pt when a run saved one there."""
    import torch

    base, base_meta = torch_checkpoint.load(None, tokenizer.vocab_hash)
    policy, _ = torch_checkpoint.load(None, tokenizer.vocab_hash)
    for parameter in base.parameters():
        parameter.requires_grad_(False)
    judge, _ = critic_net.load_torch(critic_path)
    run = _Run(base, base_meta, policy, judge, torch.optim.Adam(policy.parameters(), lr=config.lr),
               torch.optim.Adam(judge.parameters(), lr=config.critic_lr),
               {"step": 0, "elapsed": 0.0, "history": [], "base_nll": None},
               run_dir / "state.pt")
    if run.state_path.exists():
        saved = torch.load(run.state_path, weights_only=False)
        policy.load_state_dict(saved["policy"])
        judge.load_state_dict(saved["critic"])
        run.optimizer.load_state_dict(saved["optimizer"])
        run.judge_optimizer.load_state_dict(saved["critic_optimizer"])
        run.state = saved["state"]
        log.info("resuming %s at step %d (%.1f min done)", run_dir, run.state["step"],
                 run.state["elapsed"] / 60)
    run.state.setdefault("base_step", base_meta["step"])
    return run


def _step(run: _Run, pool, config: GanConfig, tokenizer: Tokenizer) -> dict:
    """One generator step (policy gradient + KL + real cross-entropy), then one critic step
    on the same real and generated phrases; returns the step's row of the history."""
    import torch

    policy, judge, step = run.policy, run.judge, run.state["step"]
    rng = np.random.default_rng(config.seed + 7919 * step)
    chosen = [pool[i] for i in rng.choice(len(pool), config.batch, replace=False)]
    policy.eval()  # no dropout: the gradient is that of the policy that sampled
    sampler = RolloutModel(numpy_twin(policy), run.base_meta, tokenizer, config.top_p)
    rollouts = rollouts_for(sampler, chosen, 1_000_000 + step * config.batch, config)
    fakes = encode_rollouts(rollouts)
    reals = [critic.encode(bars, h.style, h.mode) for h, bars in chosen]
    judge.eval()
    with torch.no_grad():
        rewards = judge(*critic_net.as_tensors(critic.stack(fakes))).clamp(-5, 5).numpy()
    loss, kl, log_pi = policy_loss(policy, run.base, rollouts, advantages_of(rewards),
                                   config.kl)
    real_nll = real_loss(policy, tokenizer, chosen) if config.mle else None
    if real_nll is not None:
        loss = loss + config.mle * real_nll
    run.optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
    run.optimizer.step()
    judge.train()
    judge_loss, logits = critic_net.critic_loss(judge, reals, fakes)
    run.judge_optimizer.zero_grad()
    judge_loss.backward()
    run.judge_optimizer.step()
    real_right = float((logits[: len(reals)] > 0).float().mean())
    return {"step": step + 1, "reward": float(rewards.mean()), "kl": kl, "log_pi": log_pi,
            "real_nll": real_nll.item() if real_nll is not None else None,
            "critic_loss": judge_loss.item(), "critic_real_right": real_right,
            "minutes": round((time.time() - run.began) / 60, 2)}


def train(cache_dir: Path, run_dir: Path = Path("runs/gan"), config: GanConfig = GanConfig(),
          critic_path: Path = critic.WEIGHTS, log_every: int = 5) -> dict:
    """Alternate generator and critic steps for `config.minutes`; resumable from `run_dir`.

    Writes run_dir/melody-gan.* (the latest generator within `nll_limit` of the base's
    validation NLL) and run_dir/critic-gan.* (the critic at that point).
    """
    import torch

    from models.training.train import TrainConfig, chunk_nll, token_arrays

    torch.set_num_threads(1)
    torch.manual_seed(config.seed)
    tokenizer = Tokenizer()
    valid = token_arrays(Path(cache_dir), TrainConfig().context)["valid"]
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    run = _open(run_dir, config, critic_path, tokenizer)
    state = run.state
    if state["base_nll"] is None:
        state["base_nll"] = chunk_nll(run.base, *valid, limit=100)
    pool = excerpts(cache_dir, "train", config.bars, config.seed)
    run.began = time.time() - state["elapsed"]
    while time.time() - run.began < config.minutes * 60:
        row = _step(run, pool, config, tokenizer)
        state["step"] = step = row["step"]
        state["history"].append(row)
        if step % log_every == 0:
            log.info("step %d reward %.3f kl %.4f log π %.3f real NLL %.3f critic %.3f", step,
                     row["reward"], row["kl"], row["log_pi"], row["real_nll"] or 0.0,
                     row["critic_loss"])
        if step % config.eval_every == 0:
            _checkpoint(run.policy, run.judge, valid, state, run_dir, config, tokenizer)
            run.save()
    _checkpoint(run.policy, run.judge, valid, state, run_dir, config, tokenizer)
    run.save()
    return {"steps": state["step"], "minutes": round(state["elapsed"] / 60, 1),
            "base_valid_nll_100": state["base_nll"], "kept_step": state.get("kept_step"),
            "kept_valid_nll_100": state.get("kept_nll")}


def _checkpoint(policy, judge, valid, state, run_dir, config, tokenizer) -> None:
    """Validation NLL; the generator becomes the candidate while within `nll_limit`."""
    from models.training.train import chunk_nll

    nll = chunk_nll(policy, *valid, limit=100)
    if state["history"]:
        state["history"][-1]["valid_nll_100"] = nll
    log.info("step %d valid NLL %.4f (base %.4f)", state["step"], nll, state["base_nll"])
    if nll <= config.nll_limit * state["base_nll"] and not math.isnan(nll):
        # the step counts every optimiser step, pretraining's and these: a new model version
        torch_checkpoint.save(policy, "transformer", run_dir / "melody-gan", tokenizer.vocab_hash,
                        state["base_step"] + state["step"], half=True,
                        command="tunesmith train gan", gan_steps=state["step"],
                        metrics={"valid_nll_100": nll, "base_valid_nll_100": state["base_nll"]},
                        gan=asdict(config))
        critic_net.save(judge.eval(), run_dir / "critic-gan", step=state["step"])
        state["kept_step"], state["kept_nll"] = state["step"], nll

