# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: karpathy/nn-zero-to-hero, lectures/makemore/makemore_part1_bigrams.ipynb ("Neural
#   Networks: Zero to Hero", lecture 2: the bigram character-level language model, by counting and
#   as a one-layer network trained by gradient descent). Licence: MIT.
# Edits: `import torch` -> `import chainrule as torch`, `import torch.nn.functional as F` ->
#   `import chainrule.nn.functional as F`; `open('names.txt')` (32033 names) is replaced by 182
#   common names inlined; the matplotlib figures and the cells that only display a value are left
#   out; 100 gradient steps kept; the first loss is kept (`first`) and the learning check at the
#   end is added (the trained network's loss falls by a third and ends near the counting model's
#   negative log-likelihood). The notebook's cells are otherwise in order and as written.
import chainrule as torch
import chainrule.nn.functional as F

words = '''
emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail emily elizabeth mila
ella avery sofia camila aria scarlett victoria madison luna grace chloe penelope layla riley
zoey nora lily eleanor hannah lillian addison aubrey ellie stella natalie zoe leah hazel violet
aurora savannah audrey brooklyn bella claire skylar lucy paisley everly anna caroline nova
genesis emilia kennedy samantha maya willow kinsley naomi aaliyah elena sarah ariana allison
gabriella alice madelyn cora ruby eva serenity autumn adeline hailey gianna valentina isla
eliana quinn nevaeh ivy sadie piper lydia alexa josephine emery julia delilah arianna vivian
kaylee sophie brielle madeline noah liam william mason james benjamin jacob michael elijah
ethan alexander oliver daniel lucas matthew aiden jackson logan david joseph samuel henry owen
sebastian gabriel carter jayden john luke anthony isaac dylan wyatt andrew joshua christopher
grayson jack julian ryan jaxon levi nathan caleb hunter christian isaiah thomas aaron lincoln
charles eli landon connor josiah jonathan cameron jeremiah mateo adrian hudson robert nicholas
brayden nolan easton jordan colton evan angel asher dominic austin leo adam jace jose ian
cooper gavin chase jaxson
'''.split()
print(words[:10], len(words))
print(min(len(w) for w in words), max(len(w) for w in words))

N = torch.zeros((27, 27), dtype=torch.int32)

chars = sorted(list(set(''.join(words))))
stoi = {s:i+1 for i,s in enumerate(chars)}
stoi['.'] = 0
itos = {i:s for s,i in stoi.items()}

for w in words:
  chs = ['.'] + list(w) + ['.']
  for ch1, ch2 in zip(chs, chs[1:]):
    ix1 = stoi[ch1]
    ix2 = stoi[ch2]
    N[ix1, ix2] += 1

p = N[0].float()
p = p / p.sum()
print(p)

g = torch.Generator().manual_seed(2147483647)
ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
print(itos[ix])

P = (N+1).float()
P /= P.sum(1, keepdims=True)

g = torch.Generator().manual_seed(2147483647)

for i in range(5):

  out = []
  ix = 0
  while True:
    p = P[ix]
    ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
    out.append(itos[ix])
    if ix == 0:
      break
  print(''.join(out))

log_likelihood = 0.0
n = 0

for w in words:
  chs = ['.'] + list(w) + ['.']
  for ch1, ch2 in zip(chs, chs[1:]):
    ix1 = stoi[ch1]
    ix2 = stoi[ch2]
    prob = P[ix1, ix2]
    logprob = torch.log(prob)
    log_likelihood += logprob
    n += 1

print(f'{log_likelihood=}')
nll = -log_likelihood
print(f'{nll=}')
print(f'{nll/n}')

# create the dataset
xs, ys = [], []
for w in words:
  chs = ['.'] + list(w) + ['.']
  for ch1, ch2 in zip(chs, chs[1:]):
    ix1 = stoi[ch1]
    ix2 = stoi[ch2]
    xs.append(ix1)
    ys.append(ix2)
xs = torch.tensor(xs)
ys = torch.tensor(ys)
num = xs.nelement()
print('number of examples: ', num)

# initialize the 'network'
g = torch.Generator().manual_seed(2147483647)
W = torch.randn((27, 27), generator=g, requires_grad=True)

# gradient descent
for k in range(100):

  # forward pass
  xenc = F.one_hot(xs, num_classes=27).float() # input to the network: one-hot encoding
  logits = xenc @ W # predict log-counts
  counts = logits.exp() # counts, equivalent to N
  probs = counts / counts.sum(1, keepdims=True) # probabilities for next character
  loss = -probs[torch.arange(num), ys].log().mean() + 0.01*(W**2).mean()
  if k == 0:
    first = loss.item()
  print(loss.item())

  # backward pass
  W.grad = None # set to zero the gradient
  loss.backward()

  # update
  W.data += -50 * W.grad

# finally, sample from the 'neural net' model
g = torch.Generator().manual_seed(2147483647)

for i in range(5):

  out = []
  ix = 0
  while True:

    # ----------
    # BEFORE:
    #p = P[ix]
    # ----------
    # NOW:
    xenc = F.one_hot(torch.tensor([ix]), num_classes=27).float()
    logits = xenc @ W # predict log-counts
    counts = logits.exp() # counts, equivalent to N
    p = counts / counts.sum(1, keepdims=True) # probabilities for next character
    # ----------

    ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
    out.append(itos[ix])
    if ix == 0:
      break
  print(''.join(out))

# learning check (added)
print(f"loss {first:.3f} -> {loss.item():.3f}; counting model {(nll/n).item():.3f}")
assert loss.item() < first * 2 / 3 and loss.item() < (nll/n).item() + 0.3
