// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IERC20Batch {
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// Several payments in one transaction, as batchers and ERC-4337 bundles make them: each payer
/// approved this contract, which moves each payer's tokens with `transferFrom`.
contract BatchPay {
    /// Two payers pay one payee in one transaction.
    function payFromTwo(
        address token,
        address to,
        address first,
        uint256 firstValue,
        address second,
        uint256 secondValue
    ) external {
        require(IERC20Batch(token).transferFrom(first, to, firstValue), "BatchPay: first");
        require(IERC20Batch(token).transferFrom(second, to, secondValue), "BatchPay: second");
    }

    /// The caller pays two payees in one transaction.
    function payTwo(address token, address firstTo, uint256 firstValue, address secondTo, uint256 secondValue)
        external
    {
        require(IERC20Batch(token).transferFrom(msg.sender, firstTo, firstValue), "BatchPay: first");
        require(IERC20Batch(token).transferFrom(msg.sender, secondTo, secondValue), "BatchPay: second");
    }
}
